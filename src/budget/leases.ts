import type { Money } from "../money.js";
import { DEFAULT_LEASE_MS, type BudgetState, type ReserveRequest } from "./store.js";

// The rules every store in this process follows, so the memory store and the Redis store's
// outage ledger cannot drift apart. (The Redis script follows the same rules in Lua.)

/** A reservation held in this process: its amount and when its lease runs out (epoch ms). */
export interface Lease {
  amount: Money;
  expiresAt: number;
}

/** True when a reservation of `request.amount` fits what the budget holds now. */
export function fits(state: BudgetState, request: ReserveRequest): boolean {
  return state.spent + state.reserved + request.amount <= request.limit;
}

/** The lease a reservation made now gets. */
export function leaseFor(request: ReserveRequest, now: number): Lease {
  return { amount: request.amount, expiresAt: now + (request.leaseMs ?? DEFAULT_LEASE_MS) };
}

/**
 * What the leases hold now. Leases whose process died (never settled, never released) stop
 * holding the budget: they are dropped here.
 */
export function heldByLeases(leases: Map<string, Lease>, now: number): Money {
  let reserved = 0;
  for (const [id, lease] of leases) {
    if (lease.expiresAt <= now) leases.delete(id);
    else reserved += lease.amount;
  }
  return reserved;
}

/** Once-only markers per budget key ("this warning was given"), each valid until it expires. */
export class ClaimBook {
  private readonly claims = new Map<string, number>();

  /** True the first time `marker` is claimed for `key` (again once the claim has expired). */
  claim(key: string, marker: string, now: number, expiresAt?: number): boolean {
    const claim = `${key}\u0000${marker}`;
    const held = this.claims.get(claim);
    if (held !== undefined && held > now) return false;

    this.claims.set(claim, expiresAt ?? Number.POSITIVE_INFINITY);
    return true;
  }

  /** Drops the claims of every key `matches` accepts. */
  forget(matches: (key: string) => boolean): void {
    for (const claim of this.claims.keys()) {
      if (matches(claim.slice(0, claim.indexOf("\u0000")))) this.claims.delete(claim);
    }
  }

  clear(): void {
    this.claims.clear();
  }
}
