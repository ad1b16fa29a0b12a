import { EventEmitter } from "eventemitter3";
import type { Redis } from "ioredis";

import { type Clock, systemClock } from "../clock.js";
import { AgentTraceError } from "../errors.js";
import type { Money } from "../money.js";
import { BudgetStoreUnavailableError, type BudgetOperation } from "./errors.js";
import { BudgetCommands, reservationId, windowEndOf } from "./redis-commands.js";
import {
  connect,
  failureReason,
  redactorFor,
  type Redactor,
  withTimeout,
} from "./redis-connection.js";
import { LocalLedger, type PendingOperation } from "./redis-ledger.js";
import { parseRedisStoreOptions } from "./redis-options.js";
import type {
  OnUnavailable,
  RedisBudgetStoreEvents,
  RedisBudgetStoreOptions,
  UnavailableEvent,
} from "./redis-types.js";
import {
  DEFAULT_LEASE_MS,
  type BudgetState,
  type BudgetStore,
  type Reservation,
  type ReserveRequest,
  type ReserveResult,
} from "./store.js";

export type * from "./redis-types.js";
export { BudgetStoreUnavailableError, isBudgetStoreUnavailableError } from "./errors.js";

type Attempt<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A budget store shared by every process that points at the same Redis. Reserve, settle, release
 * and read are one Lua script each (atomic, one round trip); leases are judged by the injected
 * clock. When Redis does not answer within `commandTimeoutMs`, reserve refuses (`fail-closed`:
 * throws {@link BudgetStoreUnavailableError}) or admits against a local estimate (`fail-open`).
 * Settles and releases are journaled either way and pushed to Redis when it is back.
 */
export class RedisBudgetStore extends EventEmitter<RedisBudgetStoreEvents> implements BudgetStore {
  readonly onUnavailable: OnUnavailable;
  readonly commandTimeoutMs: number;
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly commands: BudgetCommands;
  private readonly clock: Clock;
  private readonly redact: Redactor;
  private readonly ledger: LocalLedger;
  private outage: { since: number; reason: string } | undefined;
  private reconciling: Promise<void> | undefined;
  private closed = false;

  constructor(options: RedisBudgetStoreOptions) {
    super();
    const parsed = parseRedisStoreOptions(options);
    this.onUnavailable = parsed.onUnavailable;
    this.commandTimeoutMs = parsed.commandTimeoutMs;
    this.clock = options.clock ?? systemClock;
    this.redact = redactorFor(options.url, options.redisOptions);
    this.ledger = new LocalLedger(this.clock);

    this.ownsClient = options.client === undefined;
    this.client =
      options.client ?? connect(options.url!, this.commandTimeoutMs, options.redisOptions);
    this.commands = new BudgetCommands(this.client, parsed.keyPrefix);

    // Listening also keeps ioredis from printing unhandled connection errors to the console.
    this.client.on("error", this.onClientError);
    this.client.on("ready", this.onClientReady);
  }

  /** False from the first failed command until Redis answers again and the journal is pushed. */
  get available(): boolean {
    return this.outage === undefined;
  }

  /** Settled cost (money units) counted during an outage and not yet written to Redis. */
  get unsyncedAmount(): Money {
    return this.ledger.unsyncedAmount;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const { key, amount, windowEndsAt } = request;
    const now = this.clock.now();
    const id = reservationId(windowEndsAt);
    const leaseEndsAt = now + (request.leaseMs ?? DEFAULT_LEASE_MS);
    const args = { key, id, amount, limit: request.limit, now, leaseEndsAt, windowEndsAt };

    // A reservation that landed after we gave up on it would hold money until its lease ends.
    // Under fail-open the same id may also be settled later; the settle script copes either way.
    const releaseLate = (reply: { admitted: boolean }) => {
      if (!reply.admitted) return;
      const release: PendingOperation = { kind: "release", key, id, windowEndsAt };
      this.commands.apply(release, this.clock.now()).catch(() => undefined);
    };
    const attempt = await this.attempt(
      "reserve",
      key,
      () => this.commands.reserve(args),
      releaseLate,
    );

    if (attempt.ok) {
      const { admitted, state } = attempt.value;
      this.ledger.observe(key, state);
      return admitted
        ? { ok: true, reservation: { key, id, amount }, state }
        : { ok: false, state };
    }

    if (this.onUnavailable === "fail-closed") throw this.unavailableError("reserve", key);
    return this.ledger.reserve(request, id);
  }

  async settle(reservation: Reservation, actual: Money): Promise<BudgetState> {
    const { key, id } = reservation;
    const op: PendingOperation = { kind: "settle", key, id, actual, windowEndsAt: windowEndOf(id) };
    const attempt = await this.attempt("settle", key, () => this.apply(op));

    // Settling always succeeds: money already spent is journaled until Redis can take it.
    if (attempt.ok) return attempt.value;
    return this.ledger.settle(reservation, actual, op.windowEndsAt);
  }

  async release(reservation: Reservation): Promise<void> {
    const { key, id } = reservation;
    const op: PendingOperation = { kind: "release", key, id, windowEndsAt: windowEndOf(id) };
    const attempt = await this.attempt("release", key, () => this.apply(op));

    if (!attempt.ok) this.ledger.release(reservation, op.windowEndsAt);
  }

  async read(key: string): Promise<BudgetState> {
    const attempt = await this.attempt("read", key, () =>
      this.commands.read(key, this.clock.now()),
    );

    if (attempt.ok) {
      this.ledger.observe(key, attempt.value);
      return attempt.value;
    }
    if (this.onUnavailable === "fail-closed") throw this.unavailableError("read", key);
    return this.ledger.read(key);
  }

  /**
   * SET NX PXAT: one winner across every process; claim expiry is judged by Redis's clock, the one
   * clock they all share. In an outage the claim is local, in both modes: a warning may then fire
   * once per process, which beats not firing at all.
   */
  async claimOnce(key: string, marker: string, expiresAt?: number): Promise<boolean> {
    const claim = () => this.commands.claim(key, marker, expiresAt);
    const attempt = await this.attempt("claimOnce", key, claim);

    if (attempt.ok) return attempt.value;
    return this.ledger.claimOnce(key, marker, expiresAt);
  }

  /**
   * Pushes any journaled cost, then disconnects (a client passed in is left open). Throws
   * {@link BudgetStoreUnavailableError} if settled cost could not reach Redis, naming the amount.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.outage && this.client.status === "ready") await this.reconcile();

    const unsyncedAmount = this.ledger.unsyncedAmount;
    const reason = this.outage?.reason ?? "closed during an outage";
    this.closed = true;
    if (this.ownsClient) {
      // Our listeners stay on our own client: a late connection error must not reach the console.
      await withTimeout(this.client.quit(), this.commandTimeoutMs).catch(() => undefined);
      this.client.disconnect();
    } else {
      this.client.off("error", this.onClientError);
      this.client.off("ready", this.onClientReady);
    }

    if (unsyncedAmount === 0) return;
    const timeoutMs = this.commandTimeoutMs;
    throw new BudgetStoreUnavailableError({
      operation: "close",
      reason,
      timeoutMs,
      unsyncedAmount,
    });
  }

  /** Runs one command within the timeout, or fails fast while Redis is known to be down. */
  private async attempt<T>(
    operation: BudgetOperation,
    key: string,
    run: () => Promise<T>,
    onLate?: (value: T) => void,
  ): Promise<Attempt<T>> {
    if (this.closed) {
      throw new AgentTraceError(
        `RedisBudgetStore.${operation}() called after close(); make a new store`,
      );
    }

    // In an outage, try Redis only once it is connected again, and push what it is owed first.
    if (this.outage) {
      if (this.client.status !== "ready") return { ok: false, reason: this.outage.reason };
      await this.reconcile();
      if (this.outage) return { ok: false, reason: this.outage.reason };
    }

    try {
      return { ok: true, value: await withTimeout(run(), this.commandTimeoutMs, onLate) };
    } catch (error) {
      // Redis answered with an error (a script refusing a value, a key of the wrong type): that
      // is not an outage, and journaling the command would replay the same error forever.
      if ((error as Error | undefined)?.name === "ReplyError") {
        const reason = failureReason(error, this.commandTimeoutMs, this.redact);
        throw new AgentTraceError(`Redis refused ${operation} for budget "${key}": ${reason}`);
      }
      const reason = failureReason(error, this.commandTimeoutMs, this.redact);
      this.markUnavailable(operation, key, reason);
      return { ok: false, reason };
    }
  }

  private async apply(op: PendingOperation): Promise<BudgetState> {
    const state = await this.commands.apply(op, this.clock.now());
    this.ledger.observe(op.key, state);
    return state;
  }

  /** Pushes the journal; the outage ends only once Redis holds everything it is owed. */
  private reconcile(): Promise<void> {
    this.reconciling ??= this.drain().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async drain(): Promise<void> {
    const outage = this.outage;
    if (!outage || this.closed) return;

    try {
      // A ping first: with nothing journaled it is the only proof that Redis answers again.
      await withTimeout(this.client.ping(), this.commandTimeoutMs);
      const push = async (op: PendingOperation) => {
        await withTimeout(this.apply(op), this.commandTimeoutMs);
      };
      const totals = await this.ledger.drain(push);
      if (this.closed) return;

      this.outage = undefined;
      this.ledger.reset();
      this.emit("reconciled", { ...totals, outageMs: this.clock.now() - outage.since });
    } catch (error) {
      outage.reason = failureReason(error, this.commandTimeoutMs, this.redact);
      if (!this.closed) this.emit("error", { operation: "reconcile", reason: outage.reason });
    }
  }

  private markUnavailable(operation: BudgetOperation, key: string | undefined, reason: string) {
    if (this.outage) {
      this.outage.reason = reason;
      return;
    }

    const since = this.clock.now();
    this.outage = { since, reason };
    const event: UnavailableEvent = { operation, reason, onUnavailable: this.onUnavailable, since };
    if (key !== undefined) event.key = key;
    this.emit("unavailable", event);
  }

  private unavailableError(operation: BudgetOperation, key: string): BudgetStoreUnavailableError {
    const reason = this.outage?.reason ?? "Redis is unavailable";
    const timeoutMs = this.commandTimeoutMs;
    return new BudgetStoreUnavailableError({ operation, key, reason, timeoutMs });
  }

  private readonly onClientError = (error: Error): void => {
    if (this.closed) return;
    this.markUnavailable(
      "connect",
      undefined,
      failureReason(error, this.commandTimeoutMs, this.redact),
    );
  };

  private readonly onClientReady = (): void => {
    if (this.outage && !this.closed) void this.reconcile();
  };
}
