/**
 * One agent worker process of the multi-process test: a Guard over a RedisBudgetStore, guarding
 * runs tagged with one tenant. It connects, says "ready", waits for "go", then makes all its calls
 * at once and reports what the agents saw. Bundled by the test with esbuild (Node 20 cannot run
 * TypeScript), so it imports the library's sources.
 */
import { RedisBudgetStore } from "../../../src/budget/redis.js";
import { ManualClock } from "../../../src/clock.js";
import { isBudgetExceededError } from "../../../src/engine/errors.js";
import type { Warning } from "../../../src/engine/events.js";
import { Guard } from "../../../src/engine/guard.js";
import { parsePolicy } from "../../../src/policies/load.js";
import type { Run } from "../../../src/run/run.js";
import { call, exactPricer } from "./shared-budget.js";

export interface GuardWorkerTask {
  url: string;
  budgetName: string;
  limitUsd: number;
  tenant: string;
  /** Runs this worker guards, each making `callsPerRun` calls at once. */
  runs: number;
  callsPerRun: number;
  /** Output tokens of every call: its cost at the stub pricer's rate. */
  tokens: number;
  /** The epoch ms every worker's clock reads, so all of them spend from the same day's pot. */
  now: number;
}

export interface GuardWorkerReport {
  admitted: number;
  /** Refusals that were a BudgetExceededError from the shared budget. */
  refused: number;
  /** One refusal's message, to check what an agent is told. */
  refusalMessage?: string;
  /** Anything else thrown: must stay empty. */
  otherErrors: string[];
  /** `refused` events the guard emitted. */
  refusedEvents: number;
  warnings: Warning[];
  /** Cost recorded in this worker's runs, in money units. */
  recordedCost: number;
  /** What the guard said the budget had left before any worker started (money units). */
  headroomAtStart: number | undefined;
}

const task = JSON.parse(process.env.AGENTTRACE_WORKER_TASK ?? "{}") as GuardWorkerTask;
const policyName = `sharedBudgets.${task.budgetName}`;

// A fixed clock: the day's window cannot roll over mid-test, whatever the time of the run.
const clock = new ManualClock(task.now);
const store = new RedisBudgetStore({ url: task.url, clock, commandTimeoutMs: 5_000 });
const guard = new Guard({
  policy: parsePolicy({
    sharedBudgets: [
      { name: task.budgetName, scope: ["tenant"], limitUsd: task.limitUsd, window: "day" },
    ],
    warnAtFraction: 0.5,
  }),
  pricer: exactPricer,
  store,
  clock,
});

const report: GuardWorkerReport = {
  admitted: 0,
  refused: 0,
  otherErrors: [],
  refusedEvents: 0,
  warnings: [],
  recordedCost: 0,
  headroomAtStart: undefined,
};
guard.on("refused", () => (report.refusedEvents += 1));
guard.on("warning", ({ warning }) => report.warnings.push(warning));

const runs: Run[] = Array.from({ length: task.runs }, (_, i) =>
  guard.startRun(`worker-${process.pid}-${i}`, { tags: { tenant: task.tenant } }),
);

async function oneCall(run: Run): Promise<void> {
  try {
    await call(guard, run, task.tokens);
    report.admitted += 1;
  } catch (error) {
    // An agent is told which budget refused it; anything else is a failure of the test.
    if (isBudgetExceededError(error) && error.policy === policyName) {
      report.refused += 1;
      report.refusalMessage ??= error.message;
    } else report.otherErrors.push(String(error));
  }
}

process.on("message", async (message) => {
  if (message !== "go") return;

  // Every call of every run is issued before any answer arrives: all of them are in flight at
  // once, so each one reaches Redis rather than stopping at its run's earlier trip.
  await Promise.all(
    runs.flatMap((run) => Array.from({ length: task.callsPerRun }, () => oneCall(run))),
  );

  for (const run of runs) {
    report.recordedCost += run.totals.cost;
    guard.finishRun(run);
  }
  await store.close();
  process.send?.(report, () => process.exit(0));
});

// A worker whose parent went away has no one to report to.
process.on("disconnect", () => process.exit(1));

// Ready once Redis has answered, so every worker starts its calls at the same moment.
guard
  .remainingBudget(runs[0]!)
  .then((headroom) => {
    report.headroomAtStart = headroom?.remaining;
    process.send?.("ready");
  })
  .catch((error: unknown) => {
    process.send?.({ error: String(error) });
    process.exit(1);
  });
