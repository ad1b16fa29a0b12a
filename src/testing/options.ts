import { z } from "zod";

import { type Clock, systemClock } from "../clock.js";
import { InvalidInputError } from "../errors.js";
import { type Script, turnListIssues } from "./script.js";

/** Waits `ms` milliseconds. The mock takes all its waiting from one of these. */
export type Delay = (ms: number) => Promise<void>;

/**
 * Waits with `setTimeout`, or for 0 ms one `setImmediate` tick: even an undelayed stream then goes
 * out one event per tick, so a client can cut it off part-way.
 */
export const defaultDelay: Delay = (ms) =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export interface MockAnthropicOptions {
  /** The scripted model: a function of each call, or turns played in order, one per call. */
  respond: Script;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** TCP port. Default 0: a free port, which `url` then names. */
  port?: number;
  /** How the server waits. Default {@link defaultDelay}; tests pass their own and never sleep. */
  delay?: Delay;
  /** Wait between two SSE events, in milliseconds. Default 0 (one tick). */
  chunkDelayMs?: number;
  /** Wait before each response starts, in milliseconds; a turn's `latencyMs` wins. Default 0. */
  latencyMs?: number;
  /** Most characters in one text or tool-input delta. Default 16. */
  chunkChars?: number;
  /** The clock cache lifetimes (5 minutes, 1 hour) are measured on. Default the system clock. */
  clock?: Clock;
  /**
   * Shortest prefix, in tokens, that a cache breakpoint writes. Default 0, so small test prompts
   * cache; the API needs 1,024 to 4,096 tokens depending on the model.
   */
  minCacheTokens?: number;
  /** `usage.service_tier` of every reply. Default `standard`. */
  serviceTier?: string;
  /** `usage.inference_geo` of every reply. Default `global`. */
  inferenceGeo?: string;
}

export type ResolvedOptions = Required<MockAnthropicOptions>;

const isFunction = (value: unknown) => typeof value === "function";
const millis = z.number().nonnegative().finite();

const schema = z.object({
  respond: z.union([
    z.custom<Script>(isFunction, { error: "must be a function or an array of turns" }),
    z.array(z.unknown()),
  ]),
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65_535).default(0),
  delay: z.custom<Delay>(isFunction, { error: "must be a function" }).default(() => defaultDelay),
  chunkDelayMs: millis.default(0),
  latencyMs: millis.default(0),
  chunkChars: z.number().int().positive().default(16),
  clock: z
    .custom<Clock>((value) => typeof (value as Clock | null)?.now === "function", {
      error: "must have a now() method",
    })
    .default(systemClock),
  minCacheTokens: z.number().int().nonnegative().default(0),
  serviceTier: z.string().min(1).default("standard"),
  inferenceGeo: z.string().min(1).default("global"),
});

/**
 * Fills in defaults and reports every bad option, each with its name, in one error; a list of
 * turns is checked here too, so a typo in turn 5 fails at start rather than mid-run.
 */
export function resolveOptions(options: MockAnthropicOptions): ResolvedOptions {
  const subject = "mock Anthropic options";
  const result = schema.safeParse(options);
  if (!result.success) throw InvalidInputError.fromZod(subject, result.error, options);

  const { respond } = result.data;
  const issues = Array.isArray(respond) ? turnListIssues(respond) : [];
  if (issues.length > 0) throw new InvalidInputError(subject, issues);
  return result.data as ResolvedOptions;
}
