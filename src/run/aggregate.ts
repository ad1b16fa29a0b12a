import type { Money } from "../money.js";
import type { CallRecord } from "../record/record.js";

/** Running totals over a set of calls: a whole run, one model, or one tag value. */
export interface Aggregate {
  calls: number;
  /** Exact cost of the priced calls, in money units (1e-10 USD). */
  cost: Money;
  /** Calls whose model has no known price: their cost is unknown, not zero. */
  unpricedCalls: number;
  /** Calls that ended early (a stream cut off); their usage is what was billed. */
  partialCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  webSearchRequests: number;
}

export function emptyAggregate(): Aggregate {
  return {
    calls: 0,
    cost: 0,
    unpricedCalls: 0,
    partialCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    webSearchRequests: 0,
  };
}

/** Adds one call to an aggregate in place. This is the hot path: no allocation. */
export function addToAggregate(target: Aggregate, record: CallRecord): void {
  const usage = record.usage;

  target.calls += 1;
  if (record.cost === null) target.unpricedCalls += 1;
  else target.cost += record.cost;
  if (record.partial) target.partialCalls += 1;

  target.inputTokens += usage.inputTokens;
  target.outputTokens += usage.outputTokens;
  target.cacheReadTokens += usage.cacheReadTokens;
  target.cacheWrite5mTokens += usage.cacheWrite5mTokens;
  target.cacheWrite1hTokens += usage.cacheWrite1hTokens;
  target.webSearchRequests += usage.webSearchRequests;
}
