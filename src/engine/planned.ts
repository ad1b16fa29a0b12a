import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import { ApiUsageSchema, normalizeUsage, type Usage } from "../record/usage.js";
import type { PlannedCall } from "./types.js";

const count = z.number().int().nonnegative();

const UsageShape = z.looseObject({
  inputTokens: count,
  outputTokens: count,
  cacheReadTokens: count,
  cacheWrite5mTokens: count,
  cacheWrite1hTokens: count,
  webSearchRequests: count,
  webFetchRequests: count,
});

// A projection must say how large the prompt is: an object without it is not a usage at all.
const PlannedApiUsage = ApiUsageSchema.extend({ input_tokens: count });

const PlannedSchema = z.looseObject({
  model: z.string().min(1, "a model id is required"),
  tags: z.record(z.string(), z.string()).optional(),
  usage: z.union([UsageShape, PlannedApiUsage]),
  cost: z.number().int().nonnegative().optional(),
});

/** A planned call whose usage is in the `Usage` form. */
export type Checked = PlannedCall & { usage: Usage };

/**
 * Validates what a call is about to send and brings its usage to the `Usage` form. The API's own
 * usage object is accepted too, since that is what agents hold; a wrong shape is refused with the
 * field named, never priced as $0.
 */
export function checkPlannedCall(call: PlannedCall): Checked {
  const parsed = PlannedSchema.safeParse(call);
  if (!parsed.success) throw InvalidInputError.fromZod("planned call", parsed.error, call);

  const usage = call.usage as Record<string, unknown>;
  if ("inputTokens" in usage) return call as Checked;
  return { ...call, usage: normalizeUsage(ApiUsageSchema.parse(usage)) };
}
