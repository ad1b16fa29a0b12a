/**
 * One worker process of the multi-process test: waits for "go", then makes its share of calls
 * against the shared budget at once, and reports what it saw. Bundled by the test with esbuild,
 * since Node 20 cannot run TypeScript itself.
 */
import { RedisBudgetStore } from "../../../src/budget/redis.js";

export interface WorkerTask {
  url: string;
  keyPrefix: string;
  key: string;
  limit: number;
  cost: number;
  calls: number;
  windowEndsAt: number;
  /** Spend at which the soft warning fires. */
  warnAt: number;
}

export interface WorkerReport {
  admitted: number;
  refused: number;
  /** The largest spent + reserved any reply of this worker showed. */
  highest: number;
  /** Settles whose reply showed the spend crossing `warnAt` with this very call. */
  crossings: number;
  /** claimOnce calls for the warning that returned true. */
  warningsClaimed: number;
}

const task = JSON.parse(process.env.AGENTTRACE_WORKER_TASK ?? "{}") as WorkerTask;
const store = new RedisBudgetStore({
  url: task.url,
  keyPrefix: task.keyPrefix,
  commandTimeoutMs: 5_000,
});
const report: WorkerReport = {
  admitted: 0,
  refused: 0,
  highest: 0,
  crossings: 0,
  warningsClaimed: 0,
};

async function call(): Promise<void> {
  const { key, limit, cost, windowEndsAt } = task;
  const result = await store.reserve({ key, limit, amount: cost, windowEndsAt });
  report.highest = Math.max(report.highest, result.state.spent + result.state.reserved);
  if (!result.ok) {
    report.refused += 1;
    return;
  }

  report.admitted += 1;
  const state = await store.settle(result.reservation, cost);
  report.highest = Math.max(report.highest, state.spent + state.reserved);
  if (state.spent < task.warnAt) return;

  // Every process past the threshold asks; the store lets exactly one of them warn.
  if (state.spent - cost < task.warnAt) report.crossings += 1;
  if (await store.claimOnce(key, "soft:50%", windowEndsAt)) report.warningsClaimed += 1;
}

process.on("message", async (message) => {
  if (message !== "go") return;

  await Promise.all(Array.from({ length: task.calls }, call));
  await store.close();
  process.send?.(report, () => process.exit(0));
});

// Ready once connected, so every worker starts its calls at the same moment.
store
  .read(task.key)
  .then(() => process.send?.("ready"))
  .catch((error: unknown) => {
    process.send?.({ error: String(error) });
    process.exit(1);
  });
