import type { Clock } from "../clock.js";
import type { Money } from "../money.js";
import { ClaimBook, fits, heldByLeases, leaseFor, type Lease } from "./leases.js";
import {
  type BudgetState,
  type Reservation,
  type ReserveRequest,
  type ReserveResult,
} from "./store.js";

/**
 * What the Redis store keeps in this process while Redis is out of reach: an estimate of each
 * budget to check calls against (fail-open), and a journal of the settles and releases Redis has
 * not seen yet. When Redis is back the journal is replayed in order, so no completed call's cost
 * is lost; the settle script's `settled` marker makes a replayed settle that had landed count once.
 */

/** A write Redis still owes: replayed by the store on reconcile. */
export type PendingOperation =
  | { kind: "settle"; key: string; id: string; actual: Money; windowEndsAt?: number }
  | { kind: "release"; key: string; id: string; windowEndsAt?: number };

interface Estimate {
  spent: Money;
  /** Reservations Redis held when last seen, less those settled or released since. */
  reserved: Money;
  /** Reservations admitted locally during the outage: id -> amount and lease end. */
  local: Map<string, Lease>;
  windowEndsAt?: number;
}

// Enough for every live budget of a busy service; the oldest-seen budgets are forgotten first.
const MAX_REMEMBERED = 10_000;

export class LocalLedger {
  private readonly lastSeen = new Map<string, BudgetState>();
  private readonly estimates = new Map<string, Estimate>();
  private readonly claims = new ClaimBook();
  private readonly pending: PendingOperation[] = [];

  constructor(private readonly clock: Clock) {}

  /** Records a budget's state as Redis reported it: the starting point of any outage. */
  observe(key: string, state: BudgetState): void {
    this.lastSeen.delete(key);
    this.lastSeen.set(key, state);
    if (this.lastSeen.size > MAX_REMEMBERED) {
      const oldest = this.lastSeen.keys().next().value;
      if (oldest !== undefined) this.lastSeen.delete(oldest);
    }
  }

  /** Admits a call against the local estimate (fail-open), under the id the store chose. */
  reserve(request: ReserveRequest, id: string): ReserveResult {
    const estimate = this.estimate(request.key, request.windowEndsAt);
    const state = this.state(estimate);
    if (!fits(state, request)) return { ok: false, state };

    estimate.local.set(id, leaseFor(request, this.clock.now()));
    const reservation = { key: request.key, id, amount: request.amount };
    return { ok: true, reservation, state: this.state(estimate) };
  }

  /** Counts a settle Redis did not take, and journals it for reconcile. */
  settle(reservation: Reservation, actual: Money, windowEndsAt?: number): BudgetState {
    const estimate = this.estimate(reservation.key, windowEndsAt);
    this.unhold(estimate, reservation);
    estimate.spent += actual;

    this.pending.push({
      kind: "settle",
      key: reservation.key,
      id: reservation.id,
      actual,
      windowEndsAt,
    });
    return this.state(estimate);
  }

  /** Frees a reservation locally, and journals the release so Redis frees it too. */
  release(reservation: Reservation, windowEndsAt?: number): void {
    this.unhold(this.estimate(reservation.key, windowEndsAt), reservation);
    this.pending.push({ kind: "release", key: reservation.key, id: reservation.id, windowEndsAt });
  }

  read(key: string): BudgetState {
    return this.state(this.estimate(key));
  }

  /** A claim valid in this process only: during an outage a warning may fire once per process. */
  claimOnce(key: string, marker: string, expiresAt?: number): boolean {
    return this.claims.claim(key, marker, this.clock.now(), expiresAt);
  }

  /** Settled cost Redis has not seen yet, in money units. */
  get unsyncedAmount(): Money {
    return this.pending.reduce((sum, op) => (op.kind === "settle" ? sum + op.actual : sum), 0);
  }

  /**
   * Replays the journal in order through `push`. An operation leaves the journal only once pushed;
   * if `push` throws, the rest stay for the next attempt and the error propagates.
   */
  async drain(push: (op: PendingOperation) => Promise<void>): Promise<DrainTotals> {
    const totals: DrainTotals = { settlements: 0, releases: 0, amount: 0 };

    for (let op = this.pending[0]; op !== undefined; op = this.pending[0]) {
      await push(op);
      this.pending.shift();

      if (op.kind === "settle") {
        totals.settlements += 1;
        totals.amount += op.actual;
      } else totals.releases += 1;
    }
    return totals;
  }

  /** Forgets the outage's estimates once Redis holds everything again; Redis is the truth. */
  reset(): void {
    this.estimates.clear();
    this.claims.clear();
  }

  private estimate(key: string, windowEndsAt?: number): Estimate {
    let estimate = this.estimates.get(key);

    // Same rule as Redis and memory: a window that has ended starts afresh.
    if (estimate?.windowEndsAt !== undefined && estimate.windowEndsAt <= this.clock.now()) {
      this.estimates.delete(key);
      this.lastSeen.delete(key);
      estimate = undefined;
    }
    if (!estimate) {
      const seen = this.lastSeen.get(key) ?? { spent: 0, reserved: 0 };
      estimate = { spent: seen.spent, reserved: seen.reserved, local: new Map() };
      if (windowEndsAt !== undefined) estimate.windowEndsAt = windowEndsAt;
      this.estimates.set(key, estimate);
    }
    return estimate;
  }

  private unhold(estimate: Estimate, reservation: Reservation): void {
    // A local reservation is in `local`; any other was held in Redis when the outage began.
    if (estimate.local.delete(reservation.id)) return;
    estimate.reserved = Math.max(0, estimate.reserved - reservation.amount);
  }

  private state(estimate: Estimate): BudgetState {
    const local = heldByLeases(estimate.local, this.clock.now());
    return { spent: estimate.spent, reserved: estimate.reserved + local };
  }
}

export interface DrainTotals {
  settlements: number;
  releases: number;
  /** Settled cost pushed to Redis, in money units. */
  amount: Money;
}
