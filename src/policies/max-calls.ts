import type { CallPlan, Policy, Verdict } from "./policy.js";

export interface MaxCallsOptions {
  /** Calls per run; undefined for no run limit. */
  maxCalls?: number;
  /** Calls per step for calls tagged with a step; undefined for none. */
  maxCallsPerStep?: number;
  /** Per-step overrides of `maxCallsPerStep`. */
  steps?: Record<string, { maxCalls?: number }>;
  warnAtFraction?: number;
}

/**
 * Caps the calls a run, and each step of it, may make. The call that would be one too many is
 * refused before it is sent; calls in flight count, so parallel calls cannot overshoot.
 */
export function maxCallsPolicy(options: MaxCallsOptions): Policy {
  return {
    name: "maxCalls",

    before(plan: CallPlan): Verdict | undefined {
      const run = options.maxCalls;
      if (run !== undefined) {
        const verdict = check("maxCalls", "run", run, plan.call, options.warnAtFraction);
        if (verdict) return verdict;
      }

      if (plan.step === undefined) return undefined;
      const stepLimit = options.steps?.[plan.step]?.maxCalls ?? options.maxCallsPerStep;
      if (stepLimit === undefined) return undefined;

      const policy =
        options.steps?.[plan.step]?.maxCalls !== undefined
          ? `steps.${plan.step}.maxCalls`
          : "maxCallsPerStep";
      return check(policy, `step "${plan.step}"`, stepLimit, plan.stepCall, options.warnAtFraction);
    },
  };
}

function check(
  policy: string,
  scope: string,
  limit: number,
  call: number,
  warnAt: number | undefined,
): Verdict | undefined {
  if (call > limit) {
    return {
      action: "stop",
      policy,
      kind: "CallLimitError",
      limit,
      observed: call,
      message:
        `${scope} made call ${call} of at most ${limit} (policy ${policy}); ` +
        `raise the limit if the work needs it, or fix the loop that repeats the call`,
    };
  }

  // Warn on the call that crosses the threshold; the engine keeps it to once per crossing.
  if (warnAt !== undefined && call >= Math.ceil(limit * warnAt)) {
    return {
      action: "warn",
      policy,
      kind: "CallLimitError",
      limit,
      observed: call,
      fraction: warnAt,
      warnKey: `${policy}:${scope}`,
      message: `${scope} reached call ${call} of at most ${limit} (policy ${policy})`,
    };
  }
  return undefined;
}
