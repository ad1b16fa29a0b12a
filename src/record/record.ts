import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import { usdToMoney, type Money } from "../money.js";
import type { Pricer } from "../pricing/types.js";
import { ApiUsageSchema, normalizeUsage, type Usage } from "./usage.js";

export interface ToolUse {
  name: string;
  input: unknown;
}

// JavaScript dates span ±8.64e15 ms around 1970; a time outside that could not be reported.
const MAX_TIME = 8.64e15;

const timestamp = z
  .union([
    z.number(),
    z.date().transform((d) => d.getTime()),
    z.iso.datetime({ offset: true, local: true }).transform((s) => Date.parse(s)),
  ])
  .refine((ms) => Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME, "must be a real date and time");

/** Above this a cost no longer adds up exactly in money units (2^53 × 1e-10 USD). */
const MAX_COST_USD = 900_000;

/** What a user (or a reader, or the SDK middleware) hands over for one model call. */
export const CallInputSchema = z.looseObject({
  model: z.string().min(1, "a model id is required"),
  usage: ApiUsageSchema,
  /** Milliseconds from request sent to response complete. */
  latencyMs: z.number().nonnegative("must be >= 0").max(MAX_TIME, "must be a real duration"),
  /** When the request was sent: epoch ms, a Date or an ISO 8601 string. */
  startedAt: timestamp.optional(),
  tags: z.record(z.string(), z.string()).default({}),
  toolUses: z.array(z.looseObject({ name: z.string(), input: z.unknown() })).default([]),
  /** A known cost in USD; wins over the price table. */
  costUsd: z
    .number()
    .nonnegative("must be >= 0")
    .max(MAX_COST_USD, `must be at most ${MAX_COST_USD} (exact money ends there)`)
    .optional(),
  /** The call ended early (stream cut off, connection lost): usage is what was billed so far. */
  partial: z.boolean().optional(),
});

export type CallInput = z.input<typeof CallInputSchema>;

/** One model call, validated and priced. Immutable once recorded. */
export interface CallRecord {
  readonly model: string;
  readonly usage: Usage;
  readonly latencyMs: number;
  /** Epoch ms the request was sent; absent when the source did not say. */
  readonly startedAt: number | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly toolUses: readonly ToolUse[];
  /** Exact cost in money units (1e-10 USD), or null when the model has no known price. */
  readonly cost: Money | null;
  /** `given` when the record came with its cost, `computed` from prices, `unpriced` otherwise. */
  readonly costSource: "given" | "computed" | "unpriced";
  /** The call ended early (a stream cut off): its usage is what was billed so far. */
  readonly partial: boolean;
}

/**
 * Validates one call and prices it. Throws `InvalidInputError` naming every bad field and value;
 * an unknown model is not an error: the record keeps its tokens and is flagged unpriced.
 */
export function createRecord(input: unknown, pricer: Pricer, subject = "call record"): CallRecord {
  const parsed = CallInputSchema.safeParse(input);
  if (!parsed.success) throw InvalidInputError.fromZod(subject, parsed.error, input);

  const call = parsed.data;
  const usage = normalizeUsage(call.usage);
  const fields: RecordFields = {
    model: call.model,
    latencyMs: call.latencyMs,
    startedAt: call.startedAt,
    tags: call.tags,
    toolUses: call.toolUses,
    partial: call.partial === true,
  };
  if (call.costUsd === undefined) return priced(fields, usage, pricer);
  return { ...shaped(fields, usage), cost: usdToMoney(call.costUsd), costSource: "given" };
}

/** A call the SDK middleware saw complete: every field is its own, except the API's `usage`. */
export type ObservedCall = RecordFields & {
  /** The reply's `usage` object, as the API sent it: validated here. */
  usage: unknown;
  startedAt: number;
};

/**
 * Records a call whose fields the middleware built itself from a request it had already read:
 * only the API's usage object is validated (with the same schema as `createRecord`), since
 * validating the rest again would cost more than the guard's own work for the call. Throws
 * `InvalidInputError` naming the bad usage field.
 */
export function recordObserved(call: ObservedCall, pricer: Pricer): CallRecord {
  const parsed = ApiUsageSchema.safeParse(call.usage);
  if (!parsed.success) throw InvalidInputError.fromZod("reply usage", parsed.error, call.usage);

  return priced(call, normalizeUsage(parsed.data), pricer);
}

type RecordFields = Omit<CallRecord, "usage" | "cost" | "costSource">;

/** Prices a call from the table; an unknown model is kept, flagged unpriced. */
function priced(fields: RecordFields, usage: Usage, pricer: Pricer): CallRecord {
  const price = pricer.price(fields.model, usage, fields.startedAt);
  const record = shaped(fields, usage);
  if (price.priced) {
    record.cost = price.cost;
    record.costSource = "computed";
  }
  return record;
}

/** Every record gets every field, in one order, so the hot path sees a single object shape. */
function shaped(
  fields: RecordFields,
  usage: Usage,
): { -readonly [K in keyof CallRecord]-?: CallRecord[K] } {
  return {
    model: fields.model,
    usage,
    latencyMs: fields.latencyMs,
    startedAt: fields.startedAt,
    tags: fields.tags,
    toolUses: fields.toolUses,
    cost: null,
    costSource: "unpriced",
    partial: fields.partial,
  };
}

/**
 * When a call was sent: its own `startedAt`, or for a record that has none, its latency before
 * `endedAt` (epoch ms it completed), so every stored call can be placed in time.
 */
export function callStartedAt(record: CallRecord, endedAt: number): number {
  return record.startedAt ?? endedAt - record.latencyMs;
}
