import { type ChildProcess, fork } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";

import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { moneyToUsd, usdToMoney } from "../../src/money.js";
import { bundleForNode } from "../budget/support/bundle.js";
import { REDIS_URL, requireRedis } from "../budget/support/redis.js";
import type { GuardWorkerReport, GuardWorkerTask } from "./support/guard-worker.js";
import {
  deleteBudgetKeys,
  potOf,
  redisTotals,
  tokensFor,
  totalsKey,
  uniqueBudgetName,
  utcDaysAhead,
} from "./support/shared-budget.js";

const WORKERS = 8;
const RUNS_PER_WORKER = 5;
const CALLS_PER_RUN = 10;
const CALLS = WORKERS * RUNS_PER_WORKER * CALLS_PER_RUN;

// $2.50 does not divide by $0.0173: the budget pays for 144 calls and leaves $0.0088 over.
const LIMIT_USD = 2.5;
const COST_USD = 0.0173;
const LIMIT = usdToMoney(LIMIT_USD);
const COST = usdToMoney(COST_USD);
const PAID_FOR = Math.floor(LIMIT / COST);

const budgetName = uniqueBudgetName("workers");
const children: ChildProcess[] = [];
let admin: Redis;
let workerFile: string;

beforeAll(async () => {
  admin = await requireRedis();
  workerFile = await bundleForNode(new URL("./support/guard-worker.ts", import.meta.url));
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  if (admin) {
    await deleteBudgetKeys(admin, budgetName);
    admin.disconnect();
  }
  if (workerFile) rmSync(dirname(workerFile), { recursive: true, force: true });
});

/** Forks a worker; `ready` resolves once it has reached Redis, `report` once it is done. */
function startWorker(task: GuardWorkerTask) {
  const child = fork(workerFile, [], {
    env: { ...process.env, AGENTTRACE_WORKER_TASK: JSON.stringify(task) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);

  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) =>
      reject(new Error(`worker ${child.pid} exited (${code ?? signal}) before reporting`)),
    );
  });
  const ready = Promise.race([
    new Promise<void>((resolve, reject) => {
      child.once("message", (m) =>
        m === "ready" ? resolve() : reject(new Error(`worker failed: ${JSON.stringify(m)}`)),
      );
    }),
    exited,
  ]);
  const report = Promise.race([
    new Promise<GuardWorkerReport>((resolve) => {
      child.on("message", (m) => {
        if (typeof m === "object" && m !== null && "admitted" in m) resolve(m as GuardWorkerReport);
      });
    }),
    exited,
  ]);
  // Either may go unawaited when the other fails first; the test reports that one.
  ready.catch(() => undefined);
  report.catch(() => undefined);
  return { child, ready, report };
}

describe("8 worker processes, each with its own Guard, one shared budget on Redis", () => {
  it("admits exactly what the budget pays for, never past the limit, and warns once", async () => {
    const now = utcDaysAhead(1);
    const budget = {
      name: budgetName,
      scope: ["tenant"],
      limitUsd: LIMIT_USD,
      window: "day" as const,
    };
    const pot = potOf(budget, { tenant: "acme" }, now);
    expect(pot.limit).toBe(LIMIT);
    expect(PAID_FOR).toBe(144);

    const task: GuardWorkerTask = {
      url: REDIS_URL,
      budgetName,
      limitUsd: LIMIT_USD,
      tenant: "acme",
      runs: RUNS_PER_WORKER,
      callsPerRun: CALLS_PER_RUN,
      tokens: tokensFor(COST_USD),
      now,
    };
    const workers = Array.from({ length: WORKERS }, () => startWorker(task));
    await Promise.all(workers.map((w) => w.ready));

    // Watch Redis while the workers spend: every sample is one atomic read of the pot's hash.
    let running = true;
    let samples = 0;
    let highest = 0;
    const watcher = (async () => {
      while (running) {
        const { spent, reserved } = await redisTotals(admin, pot.key);
        highest = Math.max(highest, spent + reserved);
        samples += 1;
      }
    })();

    for (const worker of workers) worker.child.send("go");
    const reports = await Promise.all(workers.map((w) => w.report)).finally(() => {
      running = false;
    });
    await watcher;

    // Every worker saw the whole budget before anyone spent, through the guard's own read.
    expect(reports.map((r) => r.headroomAtStart)).toEqual(Array(WORKERS).fill(LIMIT));

    // Each call was either admitted or refused by the shared budget, and nothing else went wrong.
    const sum = (pick: (r: GuardWorkerReport) => number) =>
      reports.reduce((n, r) => n + pick(r), 0);
    expect(reports.flatMap((r) => r.otherErrors)).toEqual([]);
    expect(sum((r) => r.admitted)).toBe(PAID_FOR);
    expect(sum((r) => r.refused)).toBe(CALLS - PAID_FOR);
    expect(sum((r) => r.refusedEvents)).toBe(CALLS - PAID_FOR);

    // A refused agent is told which shared budget refused it, and by how much.
    const message = reports.find((r) => r.refusalMessage)?.refusalMessage;
    expect(message).toContain(`shared budget "${budgetName}" (${pot.key})`);
    expect(message).toMatch(/above the \$2\.5000 limit \(policy sharedBudgets\.it-workers-/);

    // Redis never held more than the limit, and ends holding exactly the admitted calls' cost,
    // which is exactly what the workers' runs recorded.
    expect(samples).toBeGreaterThan(0);
    expect(highest).toBeLessThanOrEqual(LIMIT);
    expect(await redisTotals(admin, pot.key)).toEqual({ spent: PAID_FOR * COST, reserved: 0 });
    expect(sum((r) => r.recordedCost)).toBe(PAID_FOR * COST);

    // One warning for the 50% crossing across all eight processes, from the settle that crossed.
    const warnings = reports.flatMap((r) => r.warnings);
    const crossing = Math.ceil(LIMIT / 2 / COST) * COST;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      policy: `sharedBudgets.${budgetName}`,
      fraction: 0.5,
      limit: LIMIT_USD,
      observed: moneyToUsd(crossing),
    });

    // The pot's keys go when its day does.
    const expiresAt = await admin.call("PEXPIRETIME", totalsKey(pot.key));
    expect(expiresAt).toBe(pot.windowEndsAt);
  }, 120_000);
});
