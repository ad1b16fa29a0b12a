import type { BudgetStore } from "../budget/store.js";
import type { Clock } from "../clock.js";
import type { Money } from "../money.js";
import type { PolicyConfig } from "../policies/config.js";
import type { Policy } from "../policies/policy.js";
import type { ApiUsage, Usage } from "../record/usage.js";
import type { Run } from "../run/run.js";
import type { Pricer } from "../pricing/types.js";
import type { Held } from "./budgets.js";

export interface GuardOptions {
  /** What to guard: a policy config (see `loadPolicy`) or policy objects. Default: nothing. */
  policy?: PolicyConfig | Policy[];
  /** Where dollar budgets keep their spend. Default: a new in-memory store. */
  store?: BudgetStore;
  /** Source of time. Default: the system clock. */
  clock?: Clock;
  /** Prices calls and projections. Default: the bundled Anthropic prices (`defaultPricer`). */
  pricer?: Pricer;
  /** `throw` (default) or `emit`; overrides the policy's own `onViolation`. */
  onViolation?: "throw" | "emit";
  /** Share of a limit at which a warning fires once; overrides the policy's. */
  warnAtFraction?: number;
}

/** What a call is about to send, for the check before it. */
export interface PlannedCall {
  model: string;
  /** Tags of this call (`step` names its step); merged over the run's tags for budgets. */
  tags?: Record<string, string>;
  /**
   * Projected usage: the prompt estimate, and `max_tokens` as output. Either a `Usage` or the
   * API's own usage object (`{ input_tokens, output_tokens, ... }`), which is validated.
   */
  usage: Usage | ApiUsage;
  /**
   * A known projected cost in money units, when the caller has one (a replayed record that came
   * with its cost); otherwise the cost is priced from `usage`.
   */
  cost?: Money;
}

/** A call admitted by `beforeCall`: hand it back to `afterCall` or `cancelCall`. */
export interface Ticket {
  readonly run: Run;
  readonly step: string | undefined;
  readonly call: number;
  /** Projected cost in money units, or null for an unpriced model. */
  readonly projected: Money | null;
  readonly held: Held[];
}
