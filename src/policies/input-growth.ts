import type { Usage } from "../record/usage.js";
import { PerRun, stepLabel, type Policy, type Verdict } from "./policy.js";
import { CACHE_MULTIPLIERS } from "../pricing/supplements.js";

export interface InputGrowthOptions {
  /** Growth per call that counts, in input-token equivalents. */
  minTokensPerCall: number;
  /** Growing calls in a row that make a runaway. */
  consecutiveCalls: number;
}

interface Series {
  last: number;
  /** Growing calls in a row so far, and by how much each grew. */
  growth: number[];
}

/**
 * Watches the prompt from call to call within a step and model: the pattern of a tool loop that
 * re-attaches the whole history on every turn, whose cost grows quadratically.
 *
 * Growth is weighed by price, not counted in raw tokens: each prompt token counts at its price
 * relative to uncached input. A healthy coding session also grows, but mostly from cache at a
 * tenth of the price, and its occasional large file read is one jump, not a streak.
 */
export function inputGrowthPolicy(options: InputGrowthOptions): Policy {
  const state = new PerRun(() => new Map<string, Series>());

  const allowed = options.consecutiveCalls - 1;
  const verdict = (growth: number[], step: string | undefined, model: string): Verdict => ({
    action: "stop",
    policy: "inputGrowth",
    kind: "RunawayGrowthError",
    limit: options.consecutiveCalls - 1,
    observed: growth.length,
    message:
      `${stepLabel(step)} on ${model}: the prompt grew by ` +
      `${growth.map((g) => Math.round(g).toLocaleString("en-US")).join(", ")} tokens over the ` +
      `last ${growth.length} calls (policy inputGrowth: at most ${allowed} growing ` +
      `${allowed === 1 ? "call" : "calls"} of ${options.minTokensPerCall}+ tokens in a row); ` +
      `this is the pattern of ` +
      `re-attached history: send a sliding window of it, or raise inputGrowth.consecutiveCalls`,
  });

  return {
    name: "inputGrowth",

    before(plan) {
      const series = state.get(plan.run).get(`${plan.step ?? ""}\u0000${plan.model}`);
      if (!series) return undefined;

      const growth = extend(series, weightedPrompt(plan.usage), options.minTokensPerCall);
      if (growth.length < options.consecutiveCalls) return undefined;
      return verdict(growth, plan.step, plan.model);
    },

    after({ run, record, step }) {
      const key = `${step ?? ""}\u0000${record.model}`;
      const prompt = weightedPrompt(record.usage);
      const all = state.get(run);
      const series = all.get(key);

      if (!series) {
        all.set(key, { last: prompt, growth: [] });
        return undefined;
      }
      series.growth = extend(series, prompt, options.minTokensPerCall);
      series.last = prompt;

      if (series.growth.length < options.consecutiveCalls) return undefined;
      return verdict(series.growth, step, record.model);
    },
  };
}

function extend(series: Series, prompt: number, min: number): number[] {
  const delta = prompt - series.last;
  return delta >= min ? [...series.growth, delta] : [];
}

/**
 * A prompt in input-token equivalents: Anthropic's cache multipliers are the same on every model
 * (the price table's, reads 0.1x, 5-minute writes 1.25x, 1-hour writes 2x), so this is
 * proportional to its cost.
 */
export function weightedPrompt(usage: Usage): number {
  return (
    usage.inputTokens +
    CACHE_MULTIPLIERS.cacheRead * usage.cacheReadTokens +
    CACHE_MULTIPLIERS.cacheWrite5m * usage.cacheWrite5mTokens +
    CACHE_MULTIPLIERS.cacheWrite1h * usage.cacheWrite1hTokens
  );
}
