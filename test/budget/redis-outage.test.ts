import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { isBudgetStoreUnavailableError } from "../../src/budget/errors.js";
import { RedisBudgetStore } from "../../src/budget/redis.js";
import type { ReconciledEvent, UnavailableEvent } from "../../src/budget/redis.js";
import type { Reservation } from "../../src/budget/store.js";
import { DedicatedRedis, freePort, waitFor } from "./support/redis.js";

let server: DedicatedRedis;
let url: string;
let dir: string;

beforeAll(async () => {
  // Append-only with fsync on every write: a killed server comes back with what it had, so the
  // test sees exactly what the store wrote before, during and after the outage.
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), "agenttrace-redis-"));
  server = new DedicatedRedis(port, [
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--dir",
    dir,
  ]);
  url = `redis://127.0.0.1:${port}`;
  await server.start();
}, 30_000);

afterAll(async () => {
  await server.kill();
  rmSync(dir, { recursive: true, force: true });
});

function watch(store: RedisBudgetStore) {
  const seen = { unavailable: [] as UnavailableEvent[], reconciled: [] as ReconciledEvent[] };
  store.on("unavailable", (event) => seen.unavailable.push(event));
  store.on("reconciled", (event) => seen.reconciled.push(event));
  return seen;
}

async function admit(store: RedisBudgetStore, key: string, limit: number): Promise<Reservation> {
  const result = await store.reserve({ key, limit, amount: 100 });
  if (!result.ok) throw new Error(`expected admission, got ${JSON.stringify(result.state)}`);
  return result.reservation;
}

describe("Redis stops in the middle of a run", () => {
  it("fail-closed: refuses with a clear error, keeps settled cost, reconciles after", async () => {
    const store = new RedisBudgetStore({ url, keyPrefix: "closed:", commandTimeoutMs: 200 });
    const seen = watch(store);
    for (let i = 0; i < 3; i++) await store.settle(await admit(store, "k", 10_000), 100);
    const inFlight = await admit(store, "k", 10_000);

    await server.kill();

    // The call already sent completes: its cost is kept, not thrown away.
    await store.settle(inFlight, 120);
    const refused = store.reserve({ key: "k", limit: 10_000, amount: 100 });
    await expect(refused).rejects.toSatisfy(isBudgetStoreUnavailableError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        'Redis did not complete reserve for budget "k" \\(.+\\); ' +
          'the call is refused because onUnavailable is "fail-closed"',
      ),
    );
    expect(seen.unavailable).toMatchObject([{ onUnavailable: "fail-closed" }]);
    expect(store.unsyncedAmount).toBe(120);

    await server.start();
    await waitFor("the store to reconcile", () => seen.reconciled.length === 1);

    expect(seen.reconciled[0]).toMatchObject({ settlements: 1, releases: 0, amount: 120 });
    expect(await store.read("k")).toEqual({ spent: 420, reserved: 0 });
    expect((await store.reserve({ key: "k", limit: 10_000, amount: 100 })).ok).toBe(true);
    await store.close();
  }, 30_000);

  it("fail-open: counts locally up to the limit, then pushes every settled cost back", async () => {
    const store = new RedisBudgetStore({
      url,
      keyPrefix: "open:",
      commandTimeoutMs: 200,
      onUnavailable: "fail-open",
    });
    const seen = watch(store);
    for (let i = 0; i < 2; i++) await store.settle(await admit(store, "k", 800), 100);
    const inFlight = await admit(store, "k", 800);

    await server.kill();

    await store.settle(inFlight, 100);
    for (let i = 0; i < 5; i++) await store.settle(await admit(store, "k", 800), 100);
    const overLimit = await store.reserve({ key: "k", limit: 800, amount: 100 });
    expect(overLimit).toEqual({ ok: false, state: { spent: 800, reserved: 0 } });
    expect(seen.unavailable).toMatchObject([{ onUnavailable: "fail-open" }]);
    expect(store.unsyncedAmount).toBe(600);

    await server.start();
    await waitFor("the store to reconcile", () => seen.reconciled.length === 1);

    expect(seen.reconciled[0]).toMatchObject({ settlements: 6, amount: 600 });
    expect(store.unsyncedAmount).toBe(0);
    expect(await store.read("k")).toEqual({ spent: 800, reserved: 0 });
    await store.close();
  }, 30_000);

  it("a slow Redis costs a call at most the timeout; a late reservation is let go", async () => {
    const store = new RedisBudgetStore({ url, keyPrefix: "slow:", commandTimeoutMs: 100 });
    const reader = new RedisBudgetStore({ url, keyPrefix: "slow:", commandTimeoutMs: 5_000 });
    const seen = watch(store);
    const pauser = new Redis(url);
    await store.read("k");

    // Redis holds every write (scripts included) for 300 ms: slow, not down.
    await pauser.call("CLIENT", "PAUSE", "300", "WRITE");
    const started = performance.now();
    await expect(store.reserve({ key: "k", limit: 1_000, amount: 100 })).rejects.toThrow(
      /\(no answer within 100 ms\)/,
    );
    expect(performance.now() - started).toBeLessThan(300);
    expect(seen.unavailable).toMatchObject([
      { operation: "reserve", reason: "no answer within 100 ms" },
    ]);

    // Once Redis resumes, the reservation that landed late is released, not held for its lease.
    await waitFor("the late reservation's release", async () => {
      return (await reader.read("k")).reserved === 0;
    });
    expect((await store.reserve({ key: "k", limit: 1_000, amount: 100 })).ok).toBe(true);
    expect(seen.reconciled).toHaveLength(1);

    pauser.disconnect();
    await Promise.all([store.close(), reader.close()]);
  }, 30_000);
});
