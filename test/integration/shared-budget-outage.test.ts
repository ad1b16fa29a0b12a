import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { isBudgetStoreUnavailableError } from "../../src/budget/errors.js";
import {
  RedisBudgetStore,
  type OnUnavailable,
  type ReconciledEvent,
  type UnavailableEvent,
} from "../../src/budget/redis.js";
import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import { usdToMoney } from "../../src/money.js";
import { parsePolicy } from "../../src/policies/load.js";
import { DedicatedRedis, freePort, waitFor } from "../budget/support/redis.js";
import {
  admit,
  call,
  complete,
  exactPricer,
  potOf,
  redisTotals,
  tokensFor,
  uniqueBudgetName,
  utcDaysAhead,
} from "./support/shared-budget.js";

const QUARTER = tokensFor(0.25);
const quarters = (n: number) => n * usdToMoney(0.25);
const tags = { tenant: "acme" };

let server: DedicatedRedis;
let serverUp = false;
let admin: Redis;
let dir: string;
let url: string;
const stores: RedisBudgetStore[] = [];

beforeAll(async () => {
  // A Redis of this file's own, which it may kill. Append-only with fsync on every write: like a
  // production Redis with persistence, it comes back holding what it had before it died.
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), "agenttrace-outage-"));
  const persistence = ["--appendonly", "yes", "--appendfsync", "always", "--dir", dir];
  server = new DedicatedRedis(port, persistence);
  url = `redis://127.0.0.1:${port}`;
  await startServer();

  // Reads Redis directly; reconnects quickly after each restart, and keeps its errors quiet.
  admin = new Redis(url, { retryStrategy: () => 100 });
  admin.on("error", () => undefined);
}, 30_000);

// A test that failed with Redis down must not take the next one with it.
beforeEach(async () => {
  if (!serverUp) await startServer();
}, 30_000);

afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  admin?.disconnect();
  await server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A service: a Guard over its own Redis store, and the store's events as they arrive. */
function service(onUnavailable: OnUnavailable, budgetName: string) {
  // A fixed day ahead of real time: the pot's keys outlive the test, however long it takes.
  const clock = new ManualClock(utcDaysAhead(1));
  const store = new RedisBudgetStore({ url, clock, onUnavailable, commandTimeoutMs: 1_000 });
  stores.push(store);
  const budget = { name: budgetName, scope: ["tenant"], limitUsd: 10, window: "day" as const };
  const policy = parsePolicy({ sharedBudgets: [budget], warnAtFraction: 0.5 });
  const guard = new Guard({ policy, pricer: exactPricer, store, clock });

  const seen = {
    unavailable: [] as UnavailableEvent[],
    reconciled: [] as ReconciledEvent[],
    trips: 0,
    refused: 0,
  };
  store.on("unavailable", (event) => seen.unavailable.push(event));
  store.on("reconciled", (event) => seen.reconciled.push(event));
  guard.on("trip", () => (seen.trips += 1));
  guard.on("refused", () => (seen.refused += 1));
  return { guard, store, seen, pot: potOf(budget, tags, clock.now()) };
}

async function killServer(): Promise<void> {
  serverUp = false;
  await server.kill();
}

async function startServer(): Promise<void> {
  await server.start();
  serverUp = true;
}

/** Redis back up, and the store has pushed everything it journaled during the outage. */
async function restartAndReconcile(seen: { reconciled: ReconciledEvent[] }): Promise<void> {
  await startServer();
  await waitFor("the store to reconcile", () => seen.reconciled.length === 1);
}

describe("Redis stops in the middle of a guarded run", () => {
  it("fail-closed refuses calls with a clear error and loses no completed call", async () => {
    const { guard, store, seen, pot } = service("fail-closed", uniqueBudgetName("closed"));
    const run = guard.startRun("closed", { tags });

    // Three calls complete and a fourth is in flight when Redis dies.
    for (let i = 0; i < 3; i++) await call(guard, run, QUARTER);
    const inFlight = await admit(guard, run, QUARTER);
    expect(await redisTotals(admin, pot.key)).toEqual({
      spent: quarters(3),
      reserved: quarters(1),
    });
    await killServer();

    // The call already sent completes: the agent keeps its answer and the run keeps its cost.
    await complete(guard, inFlight, QUARTER);
    expect(run.totals).toMatchObject({ calls: 4, cost: quarters(4) });

    // The next call is refused: the budget cannot be checked, and the store says why.
    const refused = admit(guard, run, QUARTER);
    await expect(refused).rejects.toSatisfy(isBudgetStoreUnavailableError);
    await expect(refused).rejects.toMatchObject({ operation: "reserve", key: pot.key });
    await expect(refused).rejects.toThrow(
      new RegExp(
        `^budget store unavailable: Redis did not complete reserve for budget "${pot.key}" ` +
          `\\(.+\\); the call is refused because onUnavailable is "fail-closed". Check that ` +
          `Redis is reachable, raise commandTimeoutMs \\(now 1000 ms\\), or choose ` +
          `onUnavailable "fail-open" to keep counting locally$`,
      ),
    );
    // The reason in brackets is what the client saw last (a refused connection, a dropped one or
    // a timeout), in plain words rather than the name of a client option.
    await expect(refused).rejects.not.toThrow(/maxRetriesPerRequest/);
    expect(seen.unavailable).toMatchObject([{ onUnavailable: "fail-closed" }]);
    expect(store.unsyncedAmount).toBe(quarters(1));

    // The refusal is the store's, not a policy's: the run is neither tripped nor ended, and its
    // totals are what they were.
    expect(seen).toMatchObject({ trips: 0, refused: 0 });
    expect(guard.tripOf(run)).toBeUndefined();
    expect(guard.isLive(run)).toBe(true);
    expect(run.totals).toMatchObject({ calls: 4, cost: quarters(4) });

    // Redis returns: the in-flight call's journaled cost reaches it, and the run goes on, its
    // refused call no longer counted as in flight.
    await restartAndReconcile(seen);
    expect(seen.reconciled[0]).toMatchObject({ settlements: 1, amount: quarters(1) });
    expect(await redisTotals(admin, pot.key)).toEqual({ spent: quarters(4), reserved: 0 });

    const next = await admit(guard, run, QUARTER);
    expect(next.call).toBe(5);
    await complete(guard, next, QUARTER);
    expect(await redisTotals(admin, pot.key)).toEqual({ spent: quarters(5), reserved: 0 });
    expect(run.totals).toMatchObject({ calls: 5, cost: quarters(5) });
  }, 30_000);

  it("fail-open carries on through the outage and reconciles every cost after", async () => {
    const { guard, store, seen, pot } = service("fail-open", uniqueBudgetName("open"));
    const run = guard.startRun("open", { tags });

    for (let i = 0; i < 2; i++) await call(guard, run, QUARTER);
    const inFlight = await admit(guard, run, QUARTER);
    expect(await redisTotals(admin, pot.key)).toEqual({
      spent: quarters(2),
      reserved: quarters(1),
    });
    await killServer();

    // The agent notices nothing: its calls are admitted against the local count and recorded.
    await complete(guard, inFlight, QUARTER);
    for (let i = 0; i < 4; i++) await call(guard, run, QUARTER);
    expect(seen.unavailable).toMatchObject([{ onUnavailable: "fail-open" }]);
    expect(store.available).toBe(false);
    expect(store.unsyncedAmount).toBe(quarters(5));
    expect(seen).toMatchObject({ trips: 0, refused: 0 });

    // Back up: every journaled settle reaches Redis, which then holds every completed call.
    await restartAndReconcile(seen);
    expect(seen.reconciled[0]).toMatchObject({ settlements: 5, amount: quarters(5) });
    expect(store.unsyncedAmount).toBe(0);
    expect(await redisTotals(admin, pot.key)).toEqual({ spent: quarters(7), reserved: 0 });

    // And the run goes on against Redis again.
    await call(guard, run, QUARTER);
    expect(await redisTotals(admin, pot.key)).toEqual({ spent: quarters(8), reserved: 0 });
    expect(run.totals).toMatchObject({ calls: 8, cost: quarters(8) });
  }, 30_000);
});
