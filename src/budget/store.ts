import type { Money } from "../money.js";

/**
 * Where budgets keep their spend. A budget is a key (say `run:abc` or
 * `tenant=acme:day:2026-12-03`) with a limit; every call reserves its projected cost before it is
 * sent and settles the real cost when it completes. The engine knows only this interface: the
 * in-memory store serves one process, the Redis store (`agenttrace/redis`) many.
 *
 * Every method is atomic per key: two reservations racing for the last dollars never both win.
 */
export interface BudgetStore {
  /**
   * Reserves `amount` against `key` when `spent + reserved + amount <= limit` (reaching the limit
   * exactly is allowed). Refusals change nothing.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;

  /**
   * Replaces a reservation with the real cost of the call. Settling always succeeds, even past the
   * limit: money already spent is a fact, not a request.
   */
  settle(reservation: Reservation, actual: Money): Promise<BudgetState>;

  /** Drops a reservation whose call failed or was never sent. Releasing twice is harmless. */
  release(reservation: Reservation): Promise<void>;

  /** What a budget holds right now. An unknown key holds nothing. */
  read(key: string): Promise<BudgetState>;

  /**
   * Returns true for exactly one caller per `(key, marker)` until `expiresAt`: used so a warning
   * fires once per crossing per window, across every process sharing the store.
   */
  claimOnce(key: string, marker: string, expiresAt?: number): Promise<boolean>;

  /** Releases connections and timers. The store is unusable afterwards. */
  close?(): Promise<void>;
}

export interface ReserveRequest {
  key: string;
  limit: Money;
  amount: Money;
  /** Epoch ms at which the budget's window ends and its key may be dropped; none lasts forever. */
  windowEndsAt?: number;
  /**
   * How long (ms) the reservation holds if it is never settled or released, e.g. because its
   * process died. Defaults to 10 minutes.
   */
  leaseMs?: number;
}

export type ReserveResult =
  { ok: true; reservation: Reservation; state: BudgetState } | { ok: false; state: BudgetState };

export interface Reservation {
  readonly key: string;
  readonly id: string;
  readonly amount: Money;
}

export interface BudgetState {
  /** Settled spend in money units. */
  spent: Money;
  /** Cost of calls in flight that have reserved but not settled. */
  reserved: Money;
}

export const DEFAULT_LEASE_MS = 10 * 60 * 1000;
