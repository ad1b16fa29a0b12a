/**
 * The code of docs/redis.md, as users would write it (imports from `agenttrace` and
 * `agenttrace/redis`), so `npm run typecheck` compiles the README's examples. Never run: it would
 * connect to `REDIS_URL`. Keep it in step with the document.
 */
import {
  Guard,
  MemoryBudgetStore,
  defaultPricer,
  loadPolicy,
  type BudgetStore,
  type Run,
} from "agenttrace";
import { RedisBudgetStore } from "agenttrace/redis";

declare const agent: (run: Run) => Promise<void>;
declare const customer: { id: string };

export async function configure(): Promise<void> {
  const store = new RedisBudgetStore({ url: process.env.REDIS_URL, onUnavailable: "fail-closed" });
  const guard = new Guard({ pricer: defaultPricer, policy: loadPolicy("./policy.json"), store });

  await guard.run("support-agent", agent, { tags: { tenant: customer.id } });

  // On shutdown, after the last run: pushes any cost counted during an outage, then disconnects.
  await store.close();
}

export const inCode = new Guard({
  pricer: defaultPricer,
  policy: { sharedBudgets: [{ name: "daily", scope: ["tenant"], limitUsd: 50, window: "day" }] },
});

export function sharedOnRedis(
  redis: RedisBudgetStore,
  local = new MemoryBudgetStore(),
): BudgetStore {
  const pick = (key: string): BudgetStore => (key.startsWith("run:") ? local : redis);
  return {
    reserve: (request) => pick(request.key).reserve(request),
    settle: (reservation, actual) => pick(reservation.key).settle(reservation, actual),
    release: (reservation) => pick(reservation.key).release(reservation),
    read: (key) => pick(key).read(key),
    claimOnce: (key, marker, expiresAt) => pick(key).claimOnce(key, marker, expiresAt),
    close: () => redis.close(),
  };
}
