import type { MemoryBudgetStore } from "../budget/memory.js";
import type { BudgetState, BudgetStore, Reservation, ReserveRequest } from "../budget/store.js";
import { formatUsd, moneyToUsd, type Money } from "../money.js";
import type { BudgetLine, Verdict } from "../policies/policy.js";
import { isRunBudgetKey, runBudgetKey } from "../policies/budget.js";

/** A budget a call holds a reservation on, and after settling, where its spend stands. */
export interface Held {
  line: BudgetLine;
  reservation: Reservation;
  spentAfter: Money;
  /**
   * What the budget had left once this call's reservation was made (limit minus spend minus
   * every reservation, this one included), in money units; never below 0.
   */
  remainingAfter: Money;
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

type Reserved = { ok: true; held: Held[] } | { ok: false; verdict: Verdict };

/**
 * The engine's budget book. A run lives in one process, so its own budgets (per run, per step)
 * and their warning claims are kept in memory here and dropped when the run ends; only
 * shared budgets go to the configured store (Redis, say), where many processes meet.
 */
export class Budgets {
  /**
   * @param shared where shared budgets live
   * @param local where run budgets live; with no store configured, the same memory store
   */
  constructor(
    readonly shared: BudgetStore,
    readonly local: MemoryBudgetStore,
  ) {}

  /** The store a budget lives in. */
  storeFor(line: Pick<BudgetLine, "shared">): BudgetStore {
    return line.shared ? this.shared : this.local;
  }

  /** What a budget key holds now: `run:` keys are local, any other key shared. */
  read(key: string): Promise<BudgetState> {
    return (isRunBudgetKey(key) ? this.local : this.shared).read(key);
  }

  /**
   * Reserves a call's projected cost against every budget it spends from, all or nothing: when
   * one budget refuses, the ones already reserved are released before the refusal is reported.
   * A store that cannot answer (Redis down, fail-closed) refuses the call with its own error.
   */
  async reserveAll(lines: BudgetLine[], cost: Money | null): Promise<Reserved> {
    // An unpriced model's cost cannot be projected; it is counted apart in the run's summary.
    if (cost === null || lines.length === 0) return { ok: true, held: [] };
    const held: Held[] = [];

    for (const line of lines) {
      const request = { key: line.key, limit: line.limit, amount: cost };
      if (line.windowEndsAt !== undefined) {
        Object.assign(request, { windowEndsAt: line.windowEndsAt });
      }

      let result;
      try {
        const answer = this.reserve(line, request);
        result = answer instanceof Promise ? await answer : answer;
      } catch (error) {
        await this.releaseAll(held);
        throw error;
      }

      if (!result.ok) {
        await this.releaseAll(held);
        const { spent, reserved } = result.state;
        return { ok: false, verdict: overBudget(line, cost, spent, reserved) };
      }
      const { spent, reserved } = result.state;
      const remainingAfter = Math.max(0, line.limit - spent - reserved);
      held.push({ line, reservation: result.reservation, spentAfter: spent, remainingAfter });
    }
    return { ok: true, held };
  }

  /**
   * Settles each reservation with the call's real cost and returns the budgets whose spend
   * crossed `warnAt` of their limit with this call.
   */
  async settleAll(held: Held[], actual: Money | null, warnAt?: number): Promise<Held[]> {
    const crossed: Held[] = [];

    for (const h of held) {
      const cost = actual ?? h.reservation.amount;
      const answer = this.settle(h, cost);
      const state = answer instanceof Promise ? await answer : answer;
      h.spentAfter = state.spent;

      const threshold = warnAt === undefined ? undefined : h.line.limit * warnAt;
      if (threshold !== undefined && state.spent - cost < threshold && state.spent >= threshold) {
        crossed.push(h);
      }
    }
    return crossed;
  }

  // The engine's own memory store answers at once; awaiting it would only cost turns of the
  // promise queue on every call. A store the user configured is always asked through its API.
  private reserve(line: BudgetLine, request: ReserveRequest) {
    const store = this.storeFor(line);
    return store === this.local ? this.local.reserveNow(request) : store.reserve(request);
  }

  private settle(held: Held, cost: Money) {
    const store = this.storeFor(held.line);
    return store === this.local
      ? this.local.settleNow(held.reservation, cost)
      : store.settle(held.reservation, cost);
  }

  /** Lets go of reservations whose call failed or was never sent. Never throws. */
  async releaseAll(held: Held[]): Promise<void> {
    await Promise.allSettled(held.map((h) => this.storeFor(h.line).release(h.reservation)));
  }

  /**
   * The tightest of these budgets' headroom. Budgets are read one by one, not atomically: the
   * figure is a guide for sizing a call, and the reservation before it enforces the limit. A
   * budget whose store cannot answer is left out rather than failing the agent's call.
   */
  async headroom(lines: BudgetLine[]): Promise<BudgetHeadroom | undefined> {
    let tightest: BudgetHeadroom | undefined;

    for (const line of lines) {
      const state = await this.storeFor(line)
        .read(line.key)
        .catch(() => undefined);
      if (!state) continue;

      const remaining = Math.max(0, line.limit - state.spent - state.reserved);
      if (tightest === undefined || remaining < tightest.remaining) {
        tightest = headroomOf(line, remaining);
      }
    }
    return tightest;
  }

  /** Drops what a finished run kept in memory: its budgets and their warning claims. */
  forgetRun(runId: string): void {
    this.local.forget(runBudgetKey(runId));
  }
}

/** A budget's headroom: what it has left, with the limit and names a message needs. */
export function headroomOf(line: BudgetLine, remaining: Money): BudgetHeadroom {
  return { remaining, limit: line.limit, policy: line.policy, label: line.label };
}

function overBudget(line: BudgetLine, cost: Money, spent: Money, reserved: Money): Verdict {
  const usd = (m: Money) => `$${formatUsd(m)}`;
  const observed = spent + reserved + cost;

  return {
    action: "stop",
    policy: line.policy,
    kind: "BudgetExceededError",
    limit: moneyToUsd(line.limit),
    observed: moneyToUsd(observed),
    message:
      `${line.label}: this call's projected ${usd(cost)} on top of ${usd(spent)} spent and ` +
      `${usd(reserved)} in flight would reach ${usd(observed)}, above the ${usd(line.limit)} ` +
      `limit (policy ${line.policy}); raise the limit, lower max_tokens, or stop the loop`,
  };
}
