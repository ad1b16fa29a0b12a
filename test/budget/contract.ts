import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import type { BudgetStore } from "../../src/budget/store.js";
import { budgetPot, defineSharedBudget } from "../../src/budget/windows.js";

/** Mid-morning UTC, years ahead of the wall clock, so Redis never expires the test's keys early. */
export const START = Date.UTC(2031, 0, 15, 10, 30);

export interface ContractSubject {
  store: BudgetStore;
  dispose(): Promise<void>;
}

/**
 * What every budget store promises, run against each one. Time comes only from the manual clock,
 * so lease expiry and window ends are tested without sleeping.
 */
export function budgetStoreContract(
  name: string,
  make: (clock: ManualClock) => Promise<ContractSubject>,
): void {
  describe(`${name} (BudgetStore contract)`, () => {
    let clock: ManualClock;
    let subject: ContractSubject;
    let store: BudgetStore;

    beforeEach(async () => {
      clock = new ManualClock(START);
      subject = await make(clock);
      store = subject.store;
    });

    afterEach(() => subject.dispose());

    it("admits reservations up to exactly the limit and refuses beyond it", async () => {
      const budget = { key: "exact", limit: 1_000 };

      expect((await store.reserve({ ...budget, amount: 400 })).ok).toBe(true);
      const last = await store.reserve({ ...budget, amount: 600 });
      expect(last).toMatchObject({ ok: true, state: { spent: 0, reserved: 1_000 } });

      const refused = await store.reserve({ ...budget, amount: 1 });
      expect(refused).toEqual({ ok: false, state: { spent: 0, reserved: 1_000 } });
      expect(await store.read("exact")).toEqual({ spent: 0, reserved: 1_000 });
    });

    it("settles the real cost in place of the reservation, even past the limit", async () => {
      const budget = { key: "settle", limit: 1_000 };
      const first = await store.reserve({ ...budget, amount: 500 });
      if (!first.ok) throw new Error("expected admission");

      expect(await store.settle(first.reservation, 300)).toEqual({ spent: 300, reserved: 0 });
      const second = await store.reserve({ ...budget, amount: 700 });
      if (!second.ok) throw new Error("expected admission up to the limit");
      expect(await store.settle(second.reservation, 900)).toEqual({ spent: 1_200, reserved: 0 });

      expect((await store.reserve({ ...budget, amount: 1 })).ok).toBe(false);
    });

    it("releases a reservation, and releasing twice is harmless", async () => {
      const budget = { key: "release", limit: 1_000 };
      const held = await store.reserve({ ...budget, amount: 1_000 });
      if (!held.ok) throw new Error("expected admission");

      await store.release(held.reservation);
      await store.release(held.reservation);
      expect(await store.read("release")).toEqual({ spent: 0, reserved: 0 });
      expect((await store.reserve({ ...budget, amount: 1_000 })).ok).toBe(true);
    });

    it("lets a lease lapse when its process never settles, by the injected clock", async () => {
      const budget = { key: "lease", limit: 1_000, leaseMs: 5_000 };
      expect((await store.reserve({ ...budget, amount: 1_000 })).ok).toBe(true);

      clock.advance(4_999);
      expect((await store.reserve({ ...budget, amount: 1 })).ok).toBe(false);

      clock.advance(1);
      expect(await store.read("lease")).toEqual({ spent: 0, reserved: 0 });
      expect((await store.reserve({ ...budget, amount: 1_000 })).ok).toBe(true);
    });

    it("settles a reservation whose lease already lapsed: the cost still counts", async () => {
      const held = await store.reserve({ key: "late", limit: 1_000, amount: 400, leaseMs: 10 });
      if (!held.ok) throw new Error("expected admission");

      clock.advance(10);
      expect(await store.settle(held.reservation, 450)).toEqual({ spent: 450, reserved: 0 });
    });

    it("grants a claim exactly once per key and marker", async () => {
      const until = START + 60_000;

      const claims = await Promise.all(
        Array.from({ length: 20 }, () => store.claimOnce("claims", "soft:80", until)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.claimOnce("claims", "soft:90", until)).toBe(true);
      expect(await store.claimOnce("other", "soft:80", until)).toBe(true);
    });

    it("never admits past the limit when reservations race", async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => store.reserve({ key: "race", limit: 350, amount: 7 })),
      );

      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect(await store.read("race")).toEqual({ spent: 0, reserved: 350 });
    });

    it("lets the next window's calls through: yesterday's spend does not block today", async () => {
      const budget = defineSharedBudget({
        name: "daily",
        scope: ["tenant"],
        limitUsd: 1,
        window: "day",
      });
      const today = budgetPot(budget, { tenant: "acme" }, clock.now());
      const request = { key: today.key, limit: today.limit, windowEndsAt: today.windowEndsAt };

      const spent = await store.reserve({ ...request, amount: today.limit });
      if (!spent.ok) throw new Error("expected admission");
      await store.settle(spent.reservation, today.limit);
      expect((await store.reserve({ ...request, amount: 1 })).ok).toBe(false);

      clock.set(today.windowEndsAt!);
      const tomorrow = budgetPot(budget, { tenant: "acme" }, clock.now());
      expect(tomorrow.key).not.toBe(today.key);
      const next = {
        key: tomorrow.key,
        limit: tomorrow.limit,
        windowEndsAt: tomorrow.windowEndsAt,
      };
      expect((await store.reserve({ ...next, amount: tomorrow.limit })).ok).toBe(true);

      // The ended window itself starts afresh too, for callers that reuse one key.
      expect((await store.reserve({ ...request, amount: 1 })).ok).toBe(true);
    });

    it("keeps amounts exact up to the largest budget", async () => {
      const limit = 9_000_000_000_000_000; // $900,000 in units of 1e-10 USD
      const big = await store.reserve({ key: "big", limit, amount: limit - 3 });
      if (!big.ok) throw new Error("expected admission");

      expect((await store.reserve({ key: "big", limit, amount: 3 })).ok).toBe(true);
      expect((await store.reserve({ key: "big", limit, amount: 1 })).ok).toBe(false);
      expect(await store.settle(big.reservation, limit - 7)).toEqual({
        spent: limit - 7,
        reserved: 3,
      });
    });

    it("reads an unknown budget as empty", async () => {
      expect(await store.read("never-used")).toEqual({ spent: 0, reserved: 0 });
    });
  });
}
