import { moneyToUsd } from "../money.js";
import type { Verdict } from "../policies/policy.js";
import type { Held } from "./budgets.js";
import type { Warning } from "./events.js";

/** The warning a policy's `warn` verdict announces. */
export function verdictWarning(verdict: Verdict, call: number, step?: string): Warning {
  const warning: Warning = {
    policy: verdict.policy,
    limit: verdict.limit,
    observed: verdict.observed,
    fraction: verdict.fraction ?? 1,
    call,
    message: verdict.message,
  };
  if (step !== undefined) warning.step = step;
  return warning;
}

/** The warning a budget announces when a call's settled spend crosses `fraction` of its limit. */
export function budgetWarning(held: Held, fraction: number, call: number, step?: string): Warning {
  const limit = moneyToUsd(held.line.limit);
  const observed = moneyToUsd(held.spentAfter);
  const message =
    `${held.line.label} reached $${observed.toFixed(4)} of $${limit.toFixed(4)} ` +
    `(${Math.round(fraction * 100)}% warning of policy ${held.line.policy})`;

  const warning: Warning = { policy: held.line.policy, limit, observed, fraction, call, message };
  if (step !== undefined) warning.step = step;
  return warning;
}
