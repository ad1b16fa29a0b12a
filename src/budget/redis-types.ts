import type { Redis, RedisOptions } from "ioredis";

import type { Clock } from "../clock.js";
import type { Money } from "../money.js";
import type { BudgetOperation } from "./errors.js";

/** What reserve does when Redis does not answer: refuse the call, or count it locally. */
export type OnUnavailable = "fail-closed" | "fail-open";

export interface RedisBudgetStoreOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. Give this or `client`.
   * Never appears in an error, an event or a report.
   */
  url?: string;
  /** An ioredis client you own and close yourself. Give this or `url`. */
  client?: Redis;
  /** Extra ioredis options when connecting from `url`, e.g. `{ tls: { ca } }` for a private CA. */
  redisOptions?: RedisOptions;
  /** Prepended to every Redis key, e.g. `staging:`. Default none: budget keys name themselves. */
  keyPrefix?: string;
  /** How long (ms) an operation waits for Redis before treating it as down. Default 250. */
  commandTimeoutMs?: number;
  /** Default `fail-closed`: a budget that cannot be checked refuses calls. */
  onUnavailable?: OnUnavailable;
  /** The only source of time for leases and windows. Default the system clock. */
  clock?: Clock;
}

export interface UnavailableEvent {
  /** The operation that found Redis out of reach (`connect` for the client's own errors). */
  operation: BudgetOperation;
  key?: string;
  /** Why, redacted: a timeout or the client's message, never the URL or password. */
  reason: string;
  onUnavailable: OnUnavailable;
  /** Epoch ms (store clock) at which the outage began. */
  since: number;
}

export interface ReconciledEvent {
  /** Journaled settles now written to Redis. */
  settlements: number;
  /** Journaled releases now written to Redis. */
  releases: number;
  /** Settled cost pushed to Redis, in money units (1e-10 USD). */
  amount: Money;
  /** How long (ms, store clock) Redis was out of reach. */
  outageMs: number;
}

export interface StoreErrorEvent {
  operation: BudgetOperation;
  /** Redacted, like every text the store emits. */
  reason: string;
}

/** The store's events: one payload object each. State changes before an event fires. */
export interface RedisBudgetStoreEvents {
  /** Redis stopped answering. Fires once per outage. */
  unavailable: (event: UnavailableEvent) => void;
  /** Redis answers again and owes nothing: every journaled settle and release reached it. */
  reconciled: (event: ReconciledEvent) => void;
  /** An attempt to reconcile failed; the store stays in its outage and tries again later. */
  error: (event: StoreErrorEvent) => void;
}
