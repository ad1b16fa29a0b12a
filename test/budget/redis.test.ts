import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { isInvalidInputError } from "../../src/errors.js";
import { RedisBudgetStore } from "../../src/budget/redis.js";
import { budgetPot, defineSharedBudget } from "../../src/budget/windows.js";
import { budgetStoreContract, START } from "./contract.js";
import { REDIS_URL, deleteByPrefix, requireRedis, uniquePrefix } from "./support/redis.js";

let admin: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  admin = await requireRedis();
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteByPrefix(admin, prefix);
  admin.disconnect();
});

function storeAt(clock: ManualClock, label: string): RedisBudgetStore {
  const keyPrefix = uniquePrefix(label);
  prefixes.push(keyPrefix);
  return new RedisBudgetStore({ url: REDIS_URL, keyPrefix, clock });
}

budgetStoreContract("RedisBudgetStore", async (clock) => {
  const store = storeAt(clock, "contract");
  return { store, dispose: () => store.close() };
});

describe("RedisBudgetStore keys", () => {
  it("names what each key holds and expires a windowed budget's keys with the window", async () => {
    const clock = new ManualClock(START);
    const store = storeAt(clock, "keys");
    const budget = defineSharedBudget({
      name: "daily",
      scope: ["tenant"],
      limitUsd: 5,
      window: "day",
    });
    const pot = budgetPot(budget, { tenant: "acme" }, clock.now());

    await store.reserve({
      key: pot.key,
      limit: pot.limit,
      amount: 10,
      windowEndsAt: pot.windowEndsAt,
    });

    const base = `${prefixes.at(-1)}{agenttrace:budget:daily:tenant=acme:day=2031-01-15}`;
    for (const suffix of [":totals", ":leases", ":lease-expiry"]) {
      expect(await admin.pexpiretime(base + suffix)).toBe(Date.UTC(2031, 0, 16));
    }
    expect(await admin.hgetall(`${base}:totals`)).toEqual({
      reserved: "10",
      windowEndsAt: String(Date.UTC(2031, 0, 16)),
    });
    await store.close();
  });

  it("never expires the keys of a budget without a window", async () => {
    const store = storeAt(new ManualClock(START), "forever");
    await store.reserve({ key: "run:abc", limit: 100, amount: 10 });

    expect(await admin.pttl(`${prefixes.at(-1)}{run:abc}:totals`)).toBe(-1);
    await store.close();
  });
});

describe("RedisBudgetStore settling", () => {
  it("counts a settle once even when it is sent twice (a retry after a timeout)", async () => {
    const store = storeAt(new ManualClock(START), "idempotent");
    const held = await store.reserve({ key: "k", limit: 100, amount: 40 });
    if (!held.ok) throw new Error("expected admission");

    await store.settle(held.reservation, 30);
    expect(await store.settle(held.reservation, 30)).toEqual({ spent: 30, reserved: 0 });
    expect(await store.read("k")).toEqual({ spent: 30, reserved: 0 });
    await store.close();
  });
});

describe("RedisBudgetStore options", () => {
  it("reports every bad option at once, with its path", () => {
    const make = () =>
      new RedisBudgetStore({
        keyPrefix: "{x}",
        commandTimeoutMs: 0,
        onUnavailable: "maybe" as never,
      });

    expect(make).toThrow(/url: give exactly one of url/);
    expect(make).toThrow(/keyPrefix: braces/);
    expect(make).toThrow(/commandTimeoutMs/);
    expect(make).toThrow(/onUnavailable/);
    try {
      make();
    } catch (error) {
      expect(isInvalidInputError(error)).toBe(true);
    }
  });

  it("never puts the password of a mistyped URL into the error", () => {
    const make = () => new RedisBudgetStore({ url: "redis:/:hunter2-secret@cache:6379" });

    expect(make).toThrow(/use a redis:\/\/ or rediss:\/\//);
    expect(make).not.toThrow(/hunter2/);
  });
});
