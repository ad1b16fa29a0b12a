import { MemoryBudgetStore } from "../budget/memory.js";
import type { BudgetStore } from "../budget/store.js";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Pricer } from "../pricing/types.js";
import { createRecord, type CallInput, type CallRecord } from "../record/record.js";
import { messageOf } from "../errors.js";
import { EMPTY_USAGE } from "../record/usage.js";
import { buildPolicies } from "../policies/build.js";
import { parsePolicy } from "../policies/load.js";
import { defaultPricer } from "../pricing/index.js";
import { checkPlannedCall, type Checked } from "./planned.js";
import type { PolicyConfig } from "../policies/config.js";
import type { CallPlan, Policy, Verdict } from "../policies/policy.js";
import { Run, type RunOptions, type RunOutcome } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";
import { Budgets, type BudgetHeadroom, type Held } from "./budgets.js";
import { runWithContext } from "./context.js";
import { SafeEmitter } from "./emitter.js";
import {
  tripsOfRuns,
  violationError,
  violationIn,
  type PolicyViolationError,
  type TripPoint,
} from "./errors.js";
import type { GuardEvents } from "./events.js";
import { RunState } from "./run-state.js";
import type { GuardOptions, PlannedCall, Ticket } from "./types.js";
import { budgetWarning, verdictWarning } from "./warnings.js";

export type { BudgetHeadroom, GuardOptions, PlannedCall, Ticket };

/**
 * `beforeCall` without the validation, for agenttrace's own SDK middleware: its planned calls are
 * built from a request it has already read, and checking them again would cost more than the
 * rest of the check. Not exported from the package.
 */
export const beforeCheckedCall = Symbol("agenttrace.beforeCheckedCall");

/**
 * The policy engine. It checks every call before it is sent (and refuses the one that would break
 * a hard limit), records it when it completes, lets the pattern policies decide whether the run
 * may go on, and announces everything as typed events. Sinks, alert hooks and reports are
 * listeners.
 */
export class Guard extends SafeEmitter<GuardEvents> {
  readonly clock: Clock;
  readonly pricer: Pricer;
  /** The store shared budgets live in (the in-memory one unless one was given). */
  get store(): BudgetStore {
    return this.budgets.shared;
  }

  /** Run budgets in memory, shared budgets in `store`. */
  readonly budgets: Budgets;
  private readonly policies: Policy[];
  private readonly onViolation: "throw" | "emit";
  private readonly warnAt: number | undefined;
  private readonly states = new Map<Run, RunState>();
  /** Tickets already recorded or cancelled, so neither happens twice. */
  private readonly closed = new WeakSet<Ticket>();

  constructor(options: GuardOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.pricer = options.pricer ?? defaultPricer;
    const memory = new MemoryBudgetStore({ clock: this.clock });
    this.budgets = new Budgets(options.store ?? memory, memory);

    const policy = options.policy ?? [];
    // A policy written in code is checked like a file: a typo must not switch a guard off.
    const config: PolicyConfig = Array.isArray(policy) ? {} : parsePolicy(policy, "guard policy");
    // The guard's own warnAtFraction overrides the policy's for every limit, calls included.
    this.warnAt = options.warnAtFraction ?? config.warnAtFraction;
    this.policies = Array.isArray(policy)
      ? policy
      : buildPolicies({ ...config, warnAtFraction: this.warnAt });
    this.onViolation = options.onViolation ?? config.onViolation ?? "throw";
  }

  /** Starts a run guarded by this engine. */
  startRun(name: string, options: Omit<RunOptions, "clock" | "pricer"> = {}): Run {
    const run = new Run(name, {
      ...options,
      clock: this.clock,
      pricer: this.pricer,
      guarded: true,
    });
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
    return this.budgets.headroom(this.policies.flatMap((p) => p.budgets?.(plan) ?? []));
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
      // The policy error, however the SDK carried it: as it is, as the `cause` of its own error
      // (`messages.stream()`), or, for a call whose signal the trip aborted (`currentSignal`),
      // as a plain abort error, which this run's own trip explains. (The context here is the
      // caller's, not the run's, so the run is named.)
      const violation = violationIn(error, run);
      this.finishRun(run, violation ? "tripped" : "failed", messageOf(violation ?? error));
      throw violation ?? error;
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
    this.budgets.forgetRun(run.id);
    state.abort.abort(trip ?? new Error(`run ${run.name} ended`));
    this.emit("runEnd", { run, summary });
    return summary;
  }

  /**
   * Checks a call before it is sent. Throws the policy's typed error when a hard limit would
   * break (in `throw` mode); otherwise reserves the call's projected cost and returns a ticket.
   */
  beforeCall(run: Run, call: PlannedCall): Promise<Ticket> {
    // Validation failures reject like refusals do, rather than throwing before a promise exists.
    try {
      return this[beforeCheckedCall](run, checkPlannedCall(call));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async [beforeCheckedCall](run: Run, planned: Checked): Promise<Ticket> {
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
    const reserved = await this.budgets.reserveAll(lines, plan.cost).catch((error: unknown) => {
      state.end(step);
      throw error;
    });
    if (!reserved.ok) {
      state.end(step);
      return this.refuse(run, state, plan, reserved.verdict);
    }

    for (const verdict of verdicts) {
      if (verdict?.action === "warn") this.warn(run, state, plan.call, step, verdict);
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
    const record = isCallRecord(input) ? input : createRecord(input, this.pricer);
    if (this.closed.has(ticket)) {
      throw new TypeError(
        `call ${ticket.call} of run ${run.name} was already recorded or cancelled`,
      );
    }
    this.closed.add(ticket);

    const state = this.states.get(run);
    if (!state) return this.recordLate(ticket, record);

    state.end(step);
    run.add(record);
    const crossed = await this.budgets.settleAll(ticket.held, record.cost, this.warnAt);
    const call = run.totals.calls;
    this.emit("call", { run, record, call });

    for (const line of crossed) await this.warnBudget(run, call, step, line);
    for (const policy of this.policies) {
      const verdict = policy.after?.({ run, record, step, call });
      if (verdict?.action === "stop") this.trip(run, state, verdict, "after_call", call, step);
      else if (verdict) this.warn(run, state, call, step, verdict);
    }
    return record;
  }

  /**
   * Releases a call that failed or was never sent: its reservation holds no budget. Cancelling a
   * ticket twice, or after it was recorded, does nothing.
   */
  async cancelCall(ticket: Ticket): Promise<void> {
    if (this.closed.has(ticket)) return;
    this.closed.add(ticket);

    this.states.get(ticket.run)?.end(ticket.step);
    await this.budgets.releaseAll(ticket.held);
  }

  /**
   * A call that completed after its run ended (a timeout raced it, a signal ended the run). It
   * was billed, so it still counts: in the run's totals, in its shared budgets, and in a `call`
   * event marked `late` so sinks keep it. Run budgets and pattern policies ended with the run.
   */
  private async recordLate(ticket: Ticket, record: CallRecord): Promise<CallRecord> {
    const { run } = ticket;
    run.add(record);
    await this.budgets.settleAll(
      ticket.held.filter((h) => h.line.shared),
      record.cost,
    );
    this.emit("call", { run, record, call: run.totals.calls, late: true });
    return record;
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

  private plan(run: Run, state: RunState, planned: Checked, step?: string): CallPlan {
    const now = this.clock.now();
    const price =
      planned.cost === undefined
        ? this.pricer.price(planned.model, planned.usage, now)
        : ({ priced: true, cost: planned.cost } as const);
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
      now,
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
    // A stopped run has one trip: a call that was in flight when it stopped finds the pattern
    // again as it is recorded, which is not news. (In `emit` mode every later trip is announced:
    // each says a call would have been refused.)
    if (state.trip && this.onViolation === "throw") return state.trip;

    const details = { ...verdict, runId: run.id, run: run.name, when, call };
    if (step !== undefined) Object.assign(details, { step });
    const error = violationError(verdict.kind, verdict.message, details);

    // The first trip is the one that stopped the run; later ones only add events.
    if (!state.trip) {
      state.trip = error;
      if (this.onViolation === "throw") {
        tripsOfRuns.set(run, error);
        state.abort.abort(error);
      }
    }
    this.emit("trip", { run, error, when });
    return error;
  }

  /** A policy's warning, once per run: the run's own state remembers which were given. */
  private warn(
    run: Run,
    state: RunState,
    call: number,
    step: string | undefined,
    verdict: Verdict,
  ): void {
    const key = verdict.warnKey ?? verdict.policy;
    if (state.warned.has(key)) return;
    state.warned.add(key);

    this.emit("warning", { run, warning: verdictWarning(verdict, call, step) });
  }

  private async warnBudget(run: Run, call: number, step: string | undefined, held: Held) {
    const fraction = this.warnAt as number;
    const line = held.line;

    // One warning per crossing per budget window, across every process sharing the store.
    const store = this.budgets.storeFor(line);
    if (!(await store.claimOnce(line.key, `warn:${fraction}`, line.windowEndsAt))) return;

    this.emit("warning", { run, warning: budgetWarning(held, fraction, call, step) });
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
