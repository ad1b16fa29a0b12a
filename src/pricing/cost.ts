import type { Money } from "../money.js";
import type { Usage } from "../record/usage.js";
import type { ModelRates, TokenRates } from "./types.js";

/** The token and search counts a cost is computed from; absent counts are zero. */
export type BillableUsage = Partial<
  Pick<
    Usage,
    | "inputTokens"
    | "outputTokens"
    | "cacheReadTokens"
    | "cacheWrite5mTokens"
    | "cacheWrite1hTokens"
    | "webSearchRequests"
  >
>;

export interface Cost {
  cost: Money;
  /** True when the prompt was above the long-context threshold and every token billed there. */
  longContext: boolean;
}

/**
 * The exact cost of a call at the given rates. The tier is chosen per request from the whole
 * prompt (input + cache writes + cache reads) and applies to every token of it and the output.
 * Web fetches carry no fee beyond their tokens.
 */
export function costOfUsage(rates: ModelRates, usage: BillableUsage): Cost {
  const input = usage.inputTokens ?? 0;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const write5m = usage.cacheWrite5mTokens ?? 0;
  const write1h = usage.cacheWrite1hTokens ?? 0;
  const prompt = input + cacheRead + write5m + write1h;

  const longContext =
    rates.longContext !== undefined &&
    rates.longContextThreshold !== undefined &&
    prompt > rates.longContextThreshold;
  const tier: TokenRates = longContext && rates.longContext ? rates.longContext : rates;

  const cost =
    input * tier.input +
    cacheRead * tier.cacheRead +
    write5m * tier.cacheWrite5m +
    write1h * tier.cacheWrite1h +
    (usage.outputTokens ?? 0) * tier.output +
    (usage.webSearchRequests ?? 0) * rates.webSearch;
  return { cost, longContext };
}

/** What is known of a call before it is sent. */
export interface CallEstimate {
  /** The whole prompt in tokens, cached parts included. */
  promptTokens: number;
  /** Of `promptTokens`, how many are expected to be read from cache (billed at the read rate). */
  cacheReadTokens?: number;
  /** Of `promptTokens`, how many are expected to be written to a 5-minute cache. */
  cacheWrite5mTokens?: number;
  /** Of `promptTokens`, how many are expected to be written to a 1-hour cache. */
  cacheWrite1hTokens?: number;
  /** The request's `max_tokens`: the most output it can bill. */
  maxOutputTokens: number;
  /** The most web searches the call may run (the tool's `max_uses`); default 0. */
  webSearches?: number;
}

/**
 * A call's cost projected before it is sent, for a budget check: the prompt not said to be
 * cached bills as input, the output as if it ran to `max_tokens`, and the long-context tier
 * applies when the prompt is above its threshold. Pass rates for the call's mode (batch, fast,
 * geo) from `Pricer.rates`.
 */
export function projectCost(rates: ModelRates, estimate: CallEstimate): Money {
  const cacheRead = estimate.cacheReadTokens ?? 0;
  const write5m = estimate.cacheWrite5mTokens ?? 0;
  const write1h = estimate.cacheWrite1hTokens ?? 0;

  // A split larger than the prompt is a caller's slip: nothing is then left to bill as input.
  const input = Math.max(0, estimate.promptTokens - cacheRead - write5m - write1h);

  return costOfUsage(rates, {
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: write5m,
    cacheWrite1hTokens: write1h,
    outputTokens: estimate.maxOutputTokens,
    webSearchRequests: estimate.webSearches ?? 0,
  }).cost;
}
