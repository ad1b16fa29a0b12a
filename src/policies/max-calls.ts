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
      const runVerdict =
        run === undefined
          ? undefined
          : check("maxCalls", "run", run, plan.call, options.warnAtFraction);
      const stepVerdict = checkStep(plan, options);

      // A stop wins over a warning, whichever limit gives it: a run near its own limit must not
      // hide a step that has passed its limit. A warning not given now is given on a later call.
      if (runVerdict?.action === "stop") return runVerdict;
      if (stepVerdict?.action === "stop") return stepVerdict;
      return runVerdict ?? stepVerdict;
    },
  };
}

function checkStep(plan: CallPlan, options: MaxCallsOptions): Verdict | undefined {
  if (plan.step === undefined) return undefined;
  const override = options.steps?.[plan.step]?.maxCalls;
  const limit = override ?? options.maxCallsPerStep;
  if (limit === undefined) return undefined;

  const policy = override !== undefined ? `steps.${plan.step}.maxCalls` : "maxCallsPerStep";
  return check(policy, `step "${plan.step}"`, limit, plan.stepCall, options.warnAtFraction);
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
