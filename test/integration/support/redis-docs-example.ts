/**
 * The code of the README's Redis section, as users would write it (imports from `agenttrace` and
 * `agenttrace/redis`), so `npm run typecheck` compiles the README's examples. Never run: it would
 * connect to `REDIS_URL`. Keep it in step with the document.
 */
import { Guard, defaultPricer, loadPolicy, type Run } from "agenttrace";
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
