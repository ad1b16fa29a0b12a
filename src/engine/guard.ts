import { MemoryBudgetStore } from "../budget/memory.js";
import type { BudgetStore, Reservation } from "../budget/store.js";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { moneyToUsd, type Money } from "../money.js";
import type { Pricer } from "../pricing/types.js";
import { createRecord, type CallInput, type CallRecord } from "../record/record.js";
import { EMPTY_USAGE, type Usage } from "../record/usage.js";
import { buildPolicies } from "../policies/build.js";
import type { PolicyConfig } from "../policies/config.js";
import type { BudgetLine, CallPlan, Policy, Verdict } from "../policies/policy.js";
import { Run, type RunOptions, type RunOutcome } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";
import { reserveAll, settleAll, type Held } from "./budgets.js";
import { runWithContext } from "./context.js";
import { SafeEmitter } from "./emitter.js";
import {
  isPolicyViolationError,
  violationError,
  type PolicyViolationError,
  type TripPoint,
} from "./errors.js";
import type { GuardEvents } from "./events.js";
import { RunState } from "./run-state.js";

export interface GuardOptions {
  /** What to guard: a validated policy config (see `loadPolicy`) or policy objects. Default none. */
  policy?: PolicyConfig | Policy[];
  /** Where dollar budgets keep their spend. Default: a new in-memory store. */
  store?: BudgetStore;
  /** Source of time. Default: the system clock. */
  clock?: Clock;
  /** Prices calls and projections. Required. */
  pricer: Pricer;
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
  /** Projected usage: the prompt estimate, and `max_tokens` as `outputTokens`. */
  usage: Usage;
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

/** The tightest dollar budget a call would spend from, and what it has left. */
export interface BudgetHeadroom {
  /** Limit minus settled spend minus calls in flight, in money units; never below 0. */
  remaining: Money;
  limit: Money;
  /** The policy that set the budget, e.g. `maxCostUsd`. */
  policy: string;
  /** How the budget reads in a message, e.g. `run budget`. */
  label: string;
}

/**
 * The policy engine. It checks every call before it is sent (and refuses the one that would break
 * a hard limit), records it when it completes, lets the pattern policies decide whether the run
 * may go on, and announces everything as typed events. Sinks, alert hooks and reports are
 * listeners.
 */
export class Guard extends SafeEmitter<GuardEvents> {
  readonly clock: Clock;
  readonly pricer: Pricer;
  readonly store: BudgetStore;
  private readonly policies: Policy[];
  private readonly onViolation: "throw" | "emit";
  private readonly warnAt: number | undefined;
  private readonly states = new Map<Run, RunState>();

  constructor(options: GuardOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.pricer = options.pricer;
    this.store = options.store ?? new MemoryBudgetStore({ clock: this.clock });

    const policy = options.policy ?? [];
    const config: PolicyConfig = Array.isArray(policy) ? {} : policy;
    this.policies = Array.isArray(policy) ? policy : buildPolicies(config);
    this.onViolation = options.onViolation ?? config.onViolation ?? "throw";
    this.warnAt = options.warnAtFraction ?? config.warnAtFraction;
  }

  /** Starts a run guarded by this engine. */
  startRun(name: string, options: Omit<RunOptions, "clock" | "pricer"> = {}): Run {
    const run = new Run(name, { ...options, clock: this.clock, pricer: this.pricer });
    this.states.set(run, new RunState());
    return run;
  }

  /** Runs that have started and not ended. */
  liveRuns(): Run[] {
    return [...this.states.keys()];
  }

  /** True when `run` was started by this guard and has not ended. */
  isLive(run: Run): boolean {
    return this.states.has(run);
  }

  /** Aborts when the run trips or ends: hand it to tools and HTTP calls the agent makes. */
  signal(run: Run): AbortSignal {
    return this.state(run).abort.signal;
  }

  /** True when a violation throws (`onViolation: "throw"`); false in shadow (`emit`) mode. */
  get enforcing(): boolean {
    return this.onViolation === "throw";
  }

  /**
   * What the tightest dollar budget a call of `run` (with these call tags, `step` among them)
   * would spend from has left now, or undefined when no dollar budget applies. For winding a run
   * down: an agent (or the SDK middleware) can size its next call to fit.
   */
  async remainingBudget(
    run: Run,
    tags: Record<string, string> = {},
  ): Promise<BudgetHeadroom | undefined> {
    const plan: CallPlan = {
      run,
      model: "",
      step: tags.step,
      tags,
      usage: EMPTY_USAGE,
      cost: null,
      call: run.totals.calls + 1,
      stepCall: 1,
      now: this.clock.now(),
    };
    const lines = this.policies.flatMap((p) => p.budgets?.(plan) ?? []);
    if (lines.length === 0) return undefined;

    // Budgets are read one by one, not atomically: the figure is a guide for sizing a call, and
    // the reservation before the call is what enforces the limit.
    let tightest: BudgetHeadroom | undefined;
    for (const line of lines) {
      const state = await this.store.read(line.key);
      const remaining = Math.max(0, line.limit - state.spent - state.reserved);
      if (tightest === undefined || remaining < tightest.remaining) {
        tightest = { remaining, limit: line.limit, policy: line.policy, label: line.label };
      }
    }
    return tightest;
  }

  /** The trip that stopped the run, if one did. */
  tripOf(run: Run): PolicyViolationError | undefined {
    return this.states.get(run)?.trip;
  }

  /**
   * Runs `fn` as a guarded run and ends the run however `fn` ends: `completed`, `tripped` (a
   * policy error) or `failed` (any other error, rethrown). Model calls made inside `fn` through
   * the agenttrace middleware land in this run, across awaits.
   */
  async run<T>(
    name: string,
    fn: (run: Run) => Promise<T> | T,
    options: Omit<RunOptions, "clock" | "pricer"> = {},
  ): Promise<T> {
    const run = this.startRun(name, options);
    try {
      const value = await runWithContext({ run }, () => fn(run));
      this.finishRun(run);
      return value;
    } catch (error) {
      const outcome = isPolicyViolationError(error) ? "tripped" : "failed";
      this.finishRun(run, outcome, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /**
   * Ends a run and announces its summary (`runEnd`), once. The outcome defaults to `tripped` for
   * a run a policy stopped and `completed` otherwise.
   */
  finishRun(run: Run, outcome?: Exclude<RunOutcome, "running">, reason?: string): RunSummary {
    const state = this.states.get(run);
    if (!state) return run.summary();

    const trip = state.trip;
    const summary = run.finish(
      outcome ?? (trip ? "tripped" : "completed"),
      reason ?? trip?.message,
    );
    this.states.delete(run);
    state.abort.abort(trip ?? new Error(`run ${run.name} ended`));
    this.emit("runEnd", { run, summary });
    return summary;
  }

  /**
   * Checks a call before it is sent. Throws the policy's typed error when a hard limit would
   * break (in `throw` mode); otherwise reserves the call's projected cost and returns a ticket.
   */
  async beforeCall(run: Run, planned: PlannedCall): Promise<Ticket> {
    const state = this.state(run);
    const step = planned.tags?.step;

    // A tripped run makes no more calls: the next one gets the error that stopped it.
    if (state.trip && this.onViolation === "throw") {
      this.emit("refused", { run, error: state.trip });
      throw state.trip;
    }

    const plan = this.plan(run, state, planned, step);
    const verdicts = this.policies.map((p) => p.before?.(plan));
    const stop = verdicts.find((v) => v?.action === "stop");
    if (stop) return this.refuse(run, state, plan, stop);

    // Counted in flight before the first await, so parallel calls see each other.
    state.begin(step);
    const lines = this.policies.flatMap((p) => p.budgets?.(plan) ?? []);
    const reserved = await reserveAll(this.store, lines, plan.cost).catch((error: unknown) => {
      state.end(step);
      throw error;
    });
    if (!reserved.ok) {
      state.end(step);
      return this.refuse(run, state, plan, reserved.verdict);
    }

    for (const verdict of verdicts) {
      if (verdict?.action === "warn") await this.warn(run, plan.call, step, verdict);
    }
    return { run, step, call: plan.call, projected: plan.cost, held: reserved.held };
  }

  /**
   * Records a completed call: the run's totals, the budgets' settled spend, then the pattern
   * policies, which may trip the run. A trip here does not throw: the agent keeps the response it
   * paid for, and its next call is refused.
   */
  async afterCall(ticket: Ticket, input: CallRecord | CallInput): Promise<CallRecord> {
    const { run, step } = ticket;
    const state = this.state(run);
    const record = isCallRecord(input) ? input : createRecord(input, this.pricer);

    state.end(step);
    run.add(record);
    const crossed = await settleAll(this.store, ticket.held, record.cost, this.warnAt);
    const call = run.totals.calls;
    this.emit("call", { run, record, call });

    for (const line of crossed) await this.warnBudget(run, call, step, line);
    for (const policy of this.policies) {
      const verdict = policy.after?.({ run, record, step, call });
      if (verdict?.action === "stop") this.trip(run, state, verdict, "after_call", call, step);
      else if (verdict) await this.warn(run, call, step, verdict);
    }
    return record;
  }

  /** Releases a call that failed or was never sent: its reservation holds no budget. */
  async cancelCall(ticket: Ticket): Promise<void> {
    this.states.get(ticket.run)?.end(ticket.step);
    await Promise.all(ticket.held.map((h) => this.store.release(h.reservation as Reservation)));
  }

  /**
   * Stops a run at a call in flight, for a limit the check before the call could not see coming:
   * the SDK middleware cutting off a stream whose output would break a budget. Returns the typed
   * error (thrown to the agent by the caller in `throw` mode); the run's later calls are refused
   * with it. In `emit` mode it only announces the trip.
   */
  stop(ticket: Ticket, verdict: Verdict): PolicyViolationError {
    const state = this.state(ticket.run);
    return this.trip(ticket.run, state, verdict, "after_call", ticket.call, ticket.step);
  }

  private plan(run: Run, state: RunState, planned: PlannedCall, step?: string): CallPlan {
    const price = this.pricer.price(planned.model, planned.usage, this.clock.now());
    const stepCalls = step === undefined ? 0 : (run.byTag("step").get(step)?.calls ?? 0);

    return {
      run,
      model: planned.model,
      step,
      tags: planned.tags ?? {},
      usage: planned.usage,
      cost: price.priced ? price.cost : null,
      call: run.totals.calls + state.inFlight + 1,
      stepCall: stepCalls + state.inFlightIn(step) + 1,
      now: this.clock.now(),
    };
  }

  private refuse(run: Run, state: RunState, plan: CallPlan, verdict: Verdict): Ticket {
    const error = this.trip(run, state, verdict, "before_call", plan.call, plan.step);
    this.emit("refused", { run, error });
    if (this.onViolation === "throw") throw error;

    // Shadow mode: the call goes ahead unreserved; its cost still counts when it settles.
    state.begin(plan.step);
    return { run, step: plan.step, call: plan.call, projected: plan.cost, held: [] };
  }

  private trip(
    run: Run,
    state: RunState,
    verdict: Verdict,
    when: TripPoint,
    call: number,
    step?: string,
  ): PolicyViolationError {
    const details = { ...verdict, runId: run.id, run: run.name, when, call };
    if (step !== undefined) Object.assign(details, { step });
    const error = violationError(verdict.kind, verdict.message, details);

    // The first trip is the one that stopped the run; later ones only add events.
    if (!state.trip) {
      state.trip = error;
      if (this.onViolation === "throw") state.abort.abort(error);
    }
    this.emit("trip", { run, error, when });
    return error;
  }

  private async warn(run: Run, call: number, step: string | undefined, verdict: Verdict) {
    const key = verdict.warnKey ?? verdict.policy;
    if (!(await this.store.claimOnce(`run:${run.id}`, `warn:${key}`))) return;

    const warning = {
      policy: verdict.policy,
      limit: verdict.limit,
      observed: verdict.observed,
      fraction: verdict.fraction ?? 1,
      call,
      message: verdict.message,
    };
    if (step !== undefined) Object.assign(warning, { step });
    this.emit("warning", { run, warning });
  }

  private async warnBudget(run: Run, call: number, step: string | undefined, line: Held) {
    const fraction = this.warnAt as number;
    const limit = moneyToUsd(line.line.limit);
    const observed = moneyToUsd(line.spentAfter);
    const message =
      `${line.line.label} reached $${observed.toFixed(4)} of $${limit.toFixed(4)} ` +
      `(${Math.round(fraction * 100)}% warning of policy ${line.line.policy})`;

    // One warning per crossing per budget window, across every process sharing the store.
    const claimed = await this.store.claimOnce(
      line.line.key,
      `warn:${fraction}`,
      line.line.windowEndsAt,
    );
    if (!claimed) return;

    const warning = { policy: line.line.policy, limit, observed, fraction, call, message };
    if (step !== undefined) Object.assign(warning, { step });
    this.emit("warning", { run, warning });
  }

  private state(run: Run): RunState {
    const state = this.states.get(run);
    if (state) return state;
    if (run.outcome !== "running") {
      throw new TypeError(`run ${run.name} has ended; start a new run for more calls`);
    }
    throw new TypeError(`run ${run.name} was not started by this guard; use guard.startRun`);
  }
}

function isCallRecord(value: CallRecord | CallInput): value is CallRecord {
  return "costSource" in value;
}
