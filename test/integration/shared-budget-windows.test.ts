import { describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { isBudgetExceededError } from "../../src/engine/errors.js";
import { usdToMoney } from "../../src/money.js";
import { redisServices } from "./support/services.js";
import {
  admit,
  call,
  complete,
  potOf,
  redisTotals,
  tokensFor,
  totalsKey,
  uniqueBudgetName,
  utcDaysAhead,
} from "./support/shared-budget.js";

const budgetName = uniqueBudgetName("windows");
const budget = { name: budgetName, scope: ["tenant"], limitUsd: 1, window: "day" as const };
const QUARTER = tokensFor(0.25);
const { admin: adminOf, service } = redisServices(budget);

describe("a shared budget's day window on Redis, through two guards", () => {
  it("lets the next day's calls through and warns once per crossing in each window", async () => {
    // 23:59 UTC on a day ahead of real time (Redis expires the pot's keys at the window's end).
    const evening = utcDaysAhead(2, 23, 59);
    const midnight = utcDaysAhead(3, 0, 0);
    const clock = new ManualClock(evening);
    const a = service(clock);
    const b = service(clock);
    const tags = { tenant: "acme" };
    const today = potOf(budget, tags, evening);
    const tomorrow = potOf(budget, tags, midnight);
    expect(today.windowEndsAt).toBe(midnight);
    expect(tomorrow.key).not.toBe(today.key);

    // Two services spend the $1.00 day budget in quarters; reaching the limit exactly is allowed.
    const runA = a.guard.startRun("evening-a", { tags });
    const runB = b.guard.startRun("evening-b", { tags });
    await call(a.guard, runA, QUARTER);
    await call(b.guard, runB, QUARTER);
    await call(a.guard, runA, QUARTER);
    await call(b.guard, runB, QUARTER);
    expect(await redisTotals(adminOf(), today.key)).toEqual({ spent: usdToMoney(1), reserved: 0 });

    // The budget is spent: a fifth call is refused by the shared budget, whichever service asks.
    const refused = admit(a.guard, runA, QUARTER);
    await expect(refused).rejects.toSatisfy(isBudgetExceededError);
    await expect(refused).rejects.toThrow(`shared budget "${budgetName}" (${today.key})`);
    clock.set(midnight - 1);
    const lastMoment = a.guard.startRun("last-moment", { tags });
    await expect(admit(a.guard, lastMoment, QUARTER)).rejects.toSatisfy(isBudgetExceededError);

    // One warning for the 50% crossing, from the service whose call crossed it, none from the
    // other: the claim is shared through Redis.
    expect([...a.warnings, ...b.warnings]).toMatchObject([{ fraction: 0.5, observed: 0.5 }]);
    expect(b.warnings).toHaveLength(1);

    // Midnight: a run that went on past it, and a new one, both spend from the new day's pot.
    clock.set(midnight);
    const ticket = await admit(b.guard, runB, QUARTER);
    await complete(b.guard, ticket, QUARTER);
    const runA2 = a.guard.startRun("morning-a", { tags });
    await call(a.guard, runA2, QUARTER);
    await call(a.guard, runA2, QUARTER);
    await call(b.guard, runB, QUARTER);
    await expect(admit(a.guard, runA2, QUARTER)).rejects.toThrow(`(${tomorrow.key})`);

    // Yesterday's pot still holds yesterday's spend until its keys expire; it blocks nobody.
    expect(await redisTotals(adminOf(), today.key)).toEqual({ spent: usdToMoney(1), reserved: 0 });
    expect(await redisTotals(adminOf(), tomorrow.key)).toEqual({
      spent: usdToMoney(1),
      reserved: 0,
    });

    // The new window's 50% crossing warns again, once, from the service whose call crossed it:
    // A's first call of the morning, the day's second.
    expect(b.warnings).toHaveLength(1);
    expect(a.warnings).toMatchObject([{ fraction: 0.5, observed: 0.5, call: 1 }]);

    // Each pot's keys go when its own day does (by Redis's clock: cleanup only).
    expect(await adminOf().call("PEXPIRETIME", totalsKey(today.key))).toBe(midnight);
    expect(await adminOf().call("PEXPIRETIME", totalsKey(tomorrow.key))).toBe(
      tomorrow.windowEndsAt,
    );
  }, 30_000);
});
