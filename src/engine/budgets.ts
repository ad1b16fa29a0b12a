import type { BudgetStore, Reservation } from "../budget/store.js";
import { moneyToUsd, type Money } from "../money.js";
import type { BudgetLine, Verdict } from "../policies/policy.js";

/** A budget a call holds a reservation on, and after settling, where its spend stands. */
export interface Held {
  line: BudgetLine;
  reservation: Reservation;
  spentAfter: Money;
}

type Reserved = { ok: true; held: Held[] } | { ok: false; verdict: Verdict };

/**
 * Reserves a call's projected cost against every budget it spends from, all or nothing: when one
 * budget refuses, the ones already reserved are released before the refusal is reported.
 */
export async function reserveAll(
  store: BudgetStore,
  lines: BudgetLine[],
  cost: Money | null,
): Promise<Reserved> {
  // An unpriced model's cost cannot be projected; it is counted apart in the run's summary.
  if (cost === null || lines.length === 0) return { ok: true, held: [] };
  const held: Held[] = [];

  for (const line of lines) {
    const request = { key: line.key, limit: line.limit, amount: cost };
    if (line.windowEndsAt !== undefined)
      Object.assign(request, { windowEndsAt: line.windowEndsAt });
    let result;
    try {
      result = await store.reserve(request);
    } catch (error) {
      // A store that cannot answer (Redis down, fail-closed) refuses the call with its own error;
      // what this call already holds elsewhere is let go rather than left to its lease.
      await Promise.allSettled(held.map((h) => store.release(h.reservation)));
      throw error;
    }

    if (!result.ok) {
      await Promise.all(held.map((h) => store.release(h.reservation)));
      return {
        ok: false,
        verdict: overBudget(line, cost, result.state.spent, result.state.reserved),
      };
    }
    held.push({ line, reservation: result.reservation, spentAfter: result.state.spent });
  }
  return { ok: true, held };
}

/**
 * Settles each reservation with the call's real cost and returns the budgets whose spend crossed
 * `warnAt` of their limit with this call.
 */
export async function settleAll(
  store: BudgetStore,
  held: Held[],
  actual: Money | null,
  warnAt: number | undefined,
): Promise<Held[]> {
  const crossed: Held[] = [];

  for (const h of held) {
    const cost = actual ?? h.reservation.amount;
    const state = await store.settle(h.reservation, cost);
    h.spentAfter = state.spent;

    const threshold = warnAt === undefined ? undefined : h.line.limit * warnAt;
    if (threshold !== undefined && state.spent - cost < threshold && state.spent >= threshold) {
      crossed.push(h);
    }
  }
  return crossed;
}

function overBudget(line: BudgetLine, cost: Money, spent: Money, reserved: Money): Verdict {
  const usd = (m: Money) => `$${moneyToUsd(m).toFixed(4)}`;
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
