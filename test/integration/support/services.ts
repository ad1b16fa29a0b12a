import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";

import type { SharedBudgetInput } from "../../../src/budget/windows.js";
import { RedisBudgetStore } from "../../../src/budget/redis.js";
import type { ManualClock } from "../../../src/clock.js";
import type { Warning } from "../../../src/engine/events.js";
import { Guard } from "../../../src/engine/guard.js";
import { parsePolicy } from "../../../src/policies/load.js";
import { REDIS_URL, requireRedis } from "../../budget/support/redis.js";
import { deleteBudgetKeys, exactPricer } from "./shared-budget.js";

/**
 * Registers the suite's Redis hooks (fail loudly when Redis is unreachable; close every store and
 * delete the budget's keys afterwards) and returns a factory of guarded "service processes": a
 * Guard with a Redis store of its own, on the shared manual clock, collecting its warnings.
 */
export function redisServices(budget: SharedBudgetInput) {
  const stores: RedisBudgetStore[] = [];
  let admin: Redis | undefined;

  beforeAll(async () => {
    admin = await requireRedis();
  });

  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    if (admin) {
      await deleteBudgetKeys(admin, budget.name);
      admin.disconnect();
    }
  });

  return {
    admin: () => admin as Redis,
    service(clock: ManualClock) {
      const store = new RedisBudgetStore({ url: REDIS_URL, clock, commandTimeoutMs: 5_000 });
      stores.push(store);
      const policy = parsePolicy({ sharedBudgets: [budget], warnAtFraction: 0.5 });
      const guard = new Guard({ policy, pricer: exactPricer, store, clock });
      const warnings: Warning[] = [];
      guard.on("warning", ({ warning }) => warnings.push(warning));
      return { guard, warnings };
    },
  };
}
