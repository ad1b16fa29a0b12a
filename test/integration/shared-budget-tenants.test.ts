import { describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { isBudgetExceededError } from "../../src/engine/errors.js";
import { usdToMoney } from "../../src/money.js";
import { redisServices } from "./support/services.js";
import {
  admit,
  call,
  potOf,
  redisTotals,
  tokensFor,
  uniqueBudgetName,
  utcDaysAhead,
} from "./support/shared-budget.js";

const budgetName = uniqueBudgetName("tenants");
const budget = { name: budgetName, scope: ["tenant"], limitUsd: 1, window: "day" as const };
const QUARTER = tokensFor(0.25);
const quarters = (n: number) => n * usdToMoney(0.25);
const { admin: adminOf, service } = redisServices(budget);

describe("a shared budget scoped by tenant, on Redis", () => {
  it("gives each tenant its own pot: one tenant's spend never reaches another's", async () => {
    const clock = new ManualClock(utcDaysAhead(1));
    const one = service(clock);
    const two = service(clock);
    const acme = potOf(budget, { tenant: "acme" }, clock.now());
    const globex = potOf(budget, { tenant: "globex" }, clock.now());

    // A tenant id holding the key's separators is escaped, so it cannot reach acme's pot.
    const lookalike = potOf(budget, { tenant: "acme:day=x" }, clock.now());
    expect(new Set([acme.key, globex.key, lookalike.key]).size).toBe(3);

    // Acme's agents, on both services at once, ask for twice what its $1.00 pays for.
    const acmeRuns = [one, two].map((s, i) =>
      s.guard.startRun(`acme-${i}`, { tags: { tenant: "acme" } }),
    );
    const acmeCalls = await Promise.allSettled(
      [one, two].flatMap((s, i) =>
        Array.from({ length: 4 }, () => call(s.guard, acmeRuns[i]!, QUARTER)),
      ),
    );
    const refused = acmeCalls.filter((c): c is PromiseRejectedResult => c.status === "rejected");
    expect(acmeCalls.length - refused.length).toBe(4);
    expect(refused.every((c) => isBudgetExceededError(c.reason))).toBe(true);

    // Acme is spent; globex, on the same services, still has its whole dollar.
    const globexRun = one.guard.startRun("globex", { tags: { tenant: "globex" } });
    expect(await one.guard.remainingBudget(globexRun)).toMatchObject({ remaining: quarters(4) });
    await call(one.guard, globexRun, QUARTER);
    await call(two.guard, two.guard.startRun("globex-2", { tags: { tenant: "globex" } }), QUARTER);

    // A call's own tags win over its run's: this one is globex's, though its run is acme's.
    const acmeRun = two.guard.startRun("acme-3", { tags: { tenant: "acme" } });
    await call(two.guard, acmeRun, QUARTER, { tenant: "globex" });
    await expect(admit(two.guard, acmeRun, QUARTER)).rejects.toThrow(`(${acme.key})`);

    // The lookalike tenant has a pot of its own, untouched by acme's spend.
    await call(
      one.guard,
      one.guard.startRun("lookalike", { tags: { tenant: "acme:day=x" } }),
      QUARTER,
    );

    // Redis holds each tenant's spend apart.
    expect(await redisTotals(adminOf(), acme.key)).toEqual({ spent: quarters(4), reserved: 0 });
    expect(await redisTotals(adminOf(), globex.key)).toEqual({ spent: quarters(3), reserved: 0 });
    expect(await redisTotals(adminOf(), lookalike.key)).toEqual({
      spent: quarters(1),
      reserved: 0,
    });

    // Each tenant crossed 50% once, and was warned once; the lookalike has not crossed it.
    const warnings = [...one.warnings, ...two.warnings];
    expect(warnings.map((w) => w.message).sort()).toEqual([
      expect.stringContaining(`(${acme.key}) reached $0.5000`),
      expect.stringContaining(`(${globex.key}) reached $0.5000`),
    ]);
  }, 30_000);
});
