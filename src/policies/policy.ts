import type { ViolationKind } from "../engine/errors.js";
import type { Money } from "../money.js";
import type { CallRecord } from "../record/record.js";
import type { Usage } from "../record/usage.js";
import type { Run } from "../run/run.js";

/** What a call is about to send, as the engine sees it before the call. */
export interface CallPlan {
  run: Run;
  model: string;
  step: string | undefined;
  tags: Readonly<Record<string, string>>;
  /** Projected usage: the prompt estimate and `max_tokens` as output (exact in a replay). */
  usage: Usage;
  /** Projected cost in money units, or null for a model with no known price. */
  cost: Money | null;
  /** 1-based index the call will have in its run, counting calls still in flight. */
  call: number;
  /** 1-based index the call will have in its step, counting calls still in flight. */
  stepCall: number;
  /** Epoch ms now, from the guard's clock. */
  now: number;
}

/** What a completed call looks like to a policy. */
export interface CallOutcome {
  run: Run;
  record: CallRecord;
  step: string | undefined;
  /** 1-based index of the call in its run. */
  call: number;
}

/** A policy's answer: stop the run, or warn once. Silence (undefined) means allow. */
export interface Verdict {
  action: "stop" | "warn";
  policy: string;
  kind: ViolationKind;
  limit: number;
  observed: number;
  message: string;
  /** For a warning: the share of the limit that was crossed. */
  fraction?: number;
  /** For a warning: identifies the threshold, so it fires once per crossing. */
  warnKey?: string;
}

/** A dollar budget a call must reserve its projected cost against before it is sent. */
export interface BudgetLine {
  policy: string;
  /** Store key, e.g. `run:<run id>` or `run:<run id>:step:cite_check`. */
  key: string;
  limit: Money;
  windowEndsAt?: number;
  /** How the budget reads in a message: `run budget`, `step "cite_check" budget`. */
  label: string;
  /** Shared across runs and processes (kept in the guard's store), or local to one run. */
  shared: boolean;
}

/**
 * One guard behind a small interface. A policy reads the run's live state and the call at hand
 * and answers; it never does I/O, reads a clock or touches the SDK. State it needs across calls
 * (a growth series, the last tool asked for) it keeps per run.
 */
export interface Policy {
  readonly name: string;
  /** Budgets to reserve against before the call (dollar policies). */
  budgets?(plan: CallPlan): BudgetLine[];
  /** Checks a call before it is sent. */
  before?(plan: CallPlan): Verdict | undefined;
  /** Checks a completed call: pattern policies decide here whether the run may go on. */
  after?(outcome: CallOutcome): Verdict | undefined;
}

/** Per-run state for a policy, dropped with the run. */
export class PerRun<T> {
  private readonly states = new WeakMap<Run, T>();

  constructor(private readonly create: () => T) {}

  get(run: Run): T {
    let state = this.states.get(run);
    if (state === undefined) this.states.set(run, (state = this.create()));
    return state;
  }
}

/** `cite_check` quoted, or `(no step)`, for messages. */
export function stepLabel(step: string | undefined): string {
  return step === undefined ? "(no step)" : `step "${step}"`;
}
