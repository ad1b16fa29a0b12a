import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";

import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { systemClock } from "../../src/clock.js";
import { usdToMoney } from "../../src/money.js";
import { RedisBudgetStore } from "../../src/budget/redis.js";
import { budgetPot, defineSharedBudget } from "../../src/budget/windows.js";
import { bundleForNode } from "./support/bundle.js";
import type { WorkerReport, WorkerTask } from "./support/reserve-worker.js";
import { REDIS_URL, deleteByPrefix, requireRedis, uniquePrefix } from "./support/redis.js";

const WORKERS = 8;
const CALLS_PER_WORKER = 50;
const COST = usdToMoney(0.0137);
const PAID_FOR = 137;

let admin: Redis;
let workerFile: string;
const keyPrefix = uniquePrefix("workers");

beforeAll(async () => {
  admin = await requireRedis();
  workerFile = await bundleForNode(new URL("./support/reserve-worker.ts", import.meta.url));
}, 30_000);

afterAll(async () => {
  await deleteByPrefix(admin, keyPrefix);
  admin.disconnect();
  rmSync(dirname(workerFile), { recursive: true, force: true });
});

/** Forks a worker and resolves once it has connected and is waiting for "go". */
function startWorker(task: WorkerTask) {
  const child = fork(workerFile, [], {
    env: { ...process.env, AGENTTRACE_WORKER_TASK: JSON.stringify(task) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", (m) =>
      m === "ready" ? resolve() : reject(new Error(JSON.stringify(m))),
    );
    child.once("exit", (code) =>
      reject(new Error(`worker exited with ${code} before it was ready`)),
    );
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on("message", (m) => {
      if (typeof m === "object" && m !== null && "admitted" in m) resolve(m as WorkerReport);
    });
    child.once("exit", (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready, report };
}

describe("one shared budget, 8 processes, 400 concurrent calls", () => {
  it("admits exactly what the budget pays for and never records spend past the limit", async () => {
    const budget = defineSharedBudget({
      name: "workers",
      scope: ["tenant"],
      limitUsd: 0.0137 * PAID_FOR,
      window: "day",
    });
    const pot = budgetPot(budget, { tenant: "acme" }, systemClock.now());
    expect(pot.limit).toBe(COST * PAID_FOR);

    const task: WorkerTask = {
      url: REDIS_URL,
      keyPrefix,
      key: pot.key,
      limit: pot.limit,
      cost: COST,
      calls: CALLS_PER_WORKER,
      windowEndsAt: pot.windowEndsAt!,
      warnAt: pot.limit / 2,
    };
    const workers = Array.from({ length: WORKERS }, () => startWorker(task));
    await Promise.all(workers.map((w) => w.ready));

    for (const worker of workers) worker.child.send("go");
    const reports = await Promise.all(workers.map((w) => w.report));

    const sum = (pick: (r: WorkerReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    expect(sum((r) => r.admitted + r.refused)).toBe(WORKERS * CALLS_PER_WORKER);
    expect(sum((r) => r.admitted)).toBe(PAID_FOR);
    expect(Math.max(...reports.map((r) => r.highest))).toBeLessThanOrEqual(pot.limit);

    // One warning per crossing across all processes, however many saw the spend past it.
    expect(sum((r) => r.crossings)).toBe(1);
    expect(sum((r) => r.warningsClaimed)).toBe(1);

    const store = new RedisBudgetStore({ url: REDIS_URL, keyPrefix });
    expect(await store.read(pot.key)).toEqual({ spent: COST * PAID_FOR, reserved: 0 });
    await store.close();
  }, 60_000);
});
