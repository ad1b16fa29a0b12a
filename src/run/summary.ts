import { moneyToUsd } from "../money.js";
import { promptTokens } from "../record/usage.js";
import type { Aggregate } from "./aggregate.js";
import { percentileSorted } from "./percentile.js";
import type { Run, RunOutcome } from "./run.js";

/** Totals for one model or one tag value. */
export interface Breakdown {
  calls: number;
  /** Cost of the priced calls in USD. */
  cost_usd: number;
  unpriced_calls: number;
  /** Average prompt size: uncached input plus cache reads and writes, as the calls sent it. */
  avg_input_tokens: number;
  avg_output_tokens: number;
  /** Every prompt token of these calls (uncached, cache reads and cache writes). */
  input_tokens: number;
  output_tokens: number;
}

/**
 * A run's summary: the shape of `agenttrace report --json` (one entry of its `runs`). Key names
 * are snake_case because this object is the documented JSON that scripts parse.
 */
export interface RunSummary {
  run: string;
  run_id: string;
  tags: Record<string, string>;
  outcome: RunOutcome;
  end_reason?: string;
  calls: number;
  /** Exact total of the priced calls, in USD. Unpriced calls are counted apart, never as $0. */
  cost_usd: number;
  unpriced_calls: number;
  partial_calls: number;
  /** First call's start to last call's end, in ms; null before any call. */
  duration_ms: number | null;
  started_at: string | null;
  ended_at: string | null;
  /** Latency percentiles in ms (linear interpolation); null when the run has no calls. */
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  tokens: {
    input: number;
    output: number;
    cache_read: number;
    cache_write_5m: number;
    cache_write_1h: number;
    /** input + cache_read + cache_write_5m + cache_write_1h: every prompt token sent. */
    prompt: number;
    web_search_requests: number;
  };
  by_model: Record<string, Breakdown>;
  /**
   * How far the pre-call prompt estimates were from the prompts the API reported, as relative
   * errors (0.05 = 5% too high, -0.05 = 5% too low); null when no call was estimated (a replay
   * or a recording uses the recorded usage, which is exact).
   */
  estimates: {
    calls: number;
    mean_abs_error: number;
    worst_under: number;
    worst_over: number;
  } | null;
  /** One breakdown per tag key, `step` first, then keys in order of first use. */
  by_tag: Record<string, Record<string, Breakdown>>;
}

export function summarize(run: Run): RunSummary {
  const totals = run.totals;
  const sorted = run.sortedLatencies();
  const start = run.startedAt;
  const end = run.endedAt;

  const summary: RunSummary = {
    run: run.name,
    run_id: run.id,
    tags: { ...run.tags },
    outcome: run.outcome,
    calls: totals.calls,
    cost_usd: moneyToUsd(totals.cost),
    unpriced_calls: totals.unpricedCalls,
    partial_calls: totals.partialCalls,
    duration_ms: start === undefined || end === undefined ? null : end - start,
    started_at: start === undefined ? null : new Date(start).toISOString(),
    ended_at: end === undefined ? null : new Date(end).toISOString(),
    latency_ms: {
      p50: latency(percentileSorted(sorted, 50)),
      p95: latency(percentileSorted(sorted, 95)),
      p99: latency(percentileSorted(sorted, 99)),
    },
    tokens: {
      input: totals.inputTokens,
      output: totals.outputTokens,
      cache_read: totals.cacheReadTokens,
      cache_write_5m: totals.cacheWrite5mTokens,
      cache_write_1h: totals.cacheWrite1hTokens,
      prompt: promptTokens(totals),
      web_search_requests: totals.webSearchRequests,
    },
    by_model: breakdowns(run.byModel()),
    estimates: estimateStats(run),
    by_tag: {},
  };
  if (run.endReason !== undefined) summary.end_reason = run.endReason;

  // `step` leads because it is the breakdown that exposes a runaway loop.
  const keys = run.tagKeys().sort((a, b) => Number(b === "step") - Number(a === "step"));
  for (const key of keys) own(summary.by_tag, key, breakdowns(run.byTag(key)));
  return summary;
}

/** A percentile in ms, rounded to the microsecond: interpolation leaves float noise below it. */
function latency(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 1000) / 1000;
}

function breakdowns(map: ReadonlyMap<string, Readonly<Aggregate>>): Record<string, Breakdown> {
  const out: Record<string, Breakdown> = {};
  for (const [key, agg] of map) own(out, key, breakdown(agg));
  return out;
}

/** Sets an own property even for keys like `__proto__`, which a tag value or model id may be. */
function own<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function breakdown(agg: Readonly<Aggregate>): Breakdown {
  const prompt = promptTokens(agg);
  return {
    calls: agg.calls,
    cost_usd: moneyToUsd(agg.cost),
    unpriced_calls: agg.unpricedCalls,
    avg_input_tokens: agg.calls === 0 ? 0 : prompt / agg.calls,
    avg_output_tokens: agg.calls === 0 ? 0 : agg.outputTokens / agg.calls,
    input_tokens: prompt,
    output_tokens: agg.outputTokens,
  };
}

function estimateStats(run: Run): RunSummary["estimates"] {
  const { calls, sumAbs, worstUnder, worstOver } = run.estimateErrorStats();
  if (calls === 0) return null;
  return {
    calls,
    mean_abs_error: sumAbs / calls,
    worst_under: worstUnder,
    worst_over: worstOver,
  };
}
