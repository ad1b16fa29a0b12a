import { randomBytes } from "node:crypto";

import type { Redis } from "ioredis";

import type { Money } from "../money.js";
import { READ, RELEASE, RESERVE, SETTLE } from "./redis-lua.js";
import type { PendingOperation } from "./redis-ledger.js";
import type { BudgetState } from "./store.js";

/**
 * The Redis store's commands, typed: key names, script arguments and reply parsing in one place,
 * so the store itself reads as policy (timeouts, outages, journal) rather than protocol.
 */

// Names are prefixed so they cannot clash with commands a caller defined on a shared client.
const SCRIPTS = {
  agenttraceBudgetReserve: RESERVE,
  agenttraceBudgetSettle: SETTLE,
  agenttraceBudgetRelease: RELEASE,
  agenttraceBudgetRead: READ,
} as const;

type Script = (...args: string[]) => Promise<Array<number | string>>;

// A settle's `settled` marker outlives any retry of it, so a replayed settle counts once.
export const SETTLED_MARKER_MS = 60 * 60 * 1000;

export interface ReserveArgs {
  key: string;
  id: string;
  amount: Money;
  limit: Money;
  now: number;
  leaseEndsAt: number;
  windowEndsAt?: number;
}

export class BudgetCommands {
  private readonly scripts: Record<keyof typeof SCRIPTS, Script>;

  /**
   * Registers the scripts on `client`. ioredis sends EVALSHA and falls back to EVAL when a
   * restarted Redis has forgotten them, so a script costs one round trip almost always.
   */
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      client.defineCommand(name, { lua, numberOfKeys: 3 });
    }
    this.scripts = client as unknown as Record<keyof typeof SCRIPTS, Script>;
  }

  async reserve(args: ReserveArgs): Promise<{ admitted: boolean; state: BudgetState }> {
    const reply = await this.scripts.agenttraceBudgetReserve(
      ...this.keys(args.key),
      String(args.now),
      args.id,
      String(args.amount),
      String(args.limit),
      String(args.leaseEndsAt),
      optional(args.windowEndsAt),
    );
    return { admitted: Number(reply[0]) === 1, state: stateOf(reply.slice(1)) };
  }

  /** Writes a settle or a release: the live path and the reconcile path alike. */
  async apply(op: PendingOperation, now: number): Promise<BudgetState> {
    const keys = this.keys(op.key);
    if (op.kind === "release") {
      return stateOf(await this.scripts.agenttraceBudgetRelease(...keys, String(now), op.id));
    }

    const reply = await this.scripts.agenttraceBudgetSettle(
      ...keys,
      String(now),
      op.id,
      String(op.actual),
      String(now + SETTLED_MARKER_MS),
      optional(op.windowEndsAt),
    );
    // The first field says whether this settle counted or was a repeat; the state follows.
    return stateOf(reply.slice(1));
  }

  async read(key: string, now: number): Promise<BudgetState> {
    return stateOf(await this.scripts.agenttraceBudgetRead(...this.keys(key), String(now)));
  }

  /** SET NX PXAT: true for the one caller that created the claim. */
  async claim(key: string, marker: string, expiresAt?: number): Promise<boolean> {
    const name = `${this.keyPrefix}{${key}}:claim:${marker}`;
    const reply =
      expiresAt === undefined
        ? await this.client.set(name, "1", "NX")
        : await this.client.set(name, "1", "PXAT", expiresAt, "NX");
    return reply === "OK";
  }

  /**
   * A budget's three keys, e.g. `{agenttrace:budget:daily:day=2026-12-03}:totals`. The braces are
   * a hash tag: Redis Cluster keeps all of a budget's keys on one node, as its scripts require.
   */
  keys(key: string): [string, string, string] {
    const base = `${this.keyPrefix}{${key}}`;
    return [`${base}:totals`, `${base}:leases`, `${base}:lease-expiry`];
  }
}

/**
 * Reservation ids carry their window's end (`<random>@<epoch ms>`), so a settle, even one replayed
 * from the journal after Redis lost the budget's keys, expires the keys it writes with the window.
 */
export function reservationId(windowEndsAt: number | undefined): string {
  const random = randomBytes(9).toString("base64url");
  return windowEndsAt === undefined ? random : `${random}@${windowEndsAt}`;
}

export function windowEndOf(id: string): number | undefined {
  const at = id.lastIndexOf("@");
  if (at < 0) return undefined;

  const end = Number(id.slice(at + 1));
  return Number.isSafeInteger(end) ? end : undefined;
}

function optional(value: number | undefined): string {
  return value === undefined ? "" : String(value);
}

function stateOf(reply: Array<number | string>): BudgetState {
  return { spent: Number(reply[0]), reserved: Number(reply[1]) };
}
