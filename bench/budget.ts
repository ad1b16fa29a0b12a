/**
 * Reservations per second: reserve + settle pairs against the in-memory store and against Redis,
 * from one process and from several sharing one budget. Run with `node bench/redis-budget.mjs`
 * (it bundles this file); Redis comes from AGENTTRACE_REDIS_URL, default redis://127.0.0.1:6390.
 */
import { fork } from "node:child_process";

import { Redis } from "ioredis";

import { MemoryBudgetStore } from "../src/budget/memory.js";
import { RedisBudgetStore } from "../src/budget/redis.js";
import type { BudgetStore } from "../src/budget/store.js";

const REDIS_URL = process.env.AGENTTRACE_REDIS_URL ?? "redis://127.0.0.1:6390";
const KEY = "agenttrace:budget:bench:tenant=acme:day=bench";
const LIMIT = Number.MAX_SAFE_INTEGER;
const HEADER = [
  "store  ",
  "processes",
  "concurrency",
  "   pairs",
  "   pairs/s",
  "p50 / p99 ms/pair",
];

interface Result {
  pairs: number;
  seconds: number;
  /** Milliseconds per pair, only measured when one pair runs at a time. */
  p50?: number;
  p99?: number;
}

/** Runs `pairs` reserve+settle pairs, `concurrency` at a time. */
async function run(store: BudgetStore, pairs: number, concurrency: number): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;

  const lane = async () => {
    while (next < pairs) {
      next += 1;
      const started = performance.now();
      const result = await store.reserve({ key: KEY, limit: LIMIT, amount: 1_000 });
      if (!result.ok) throw new Error("bench budget refused a call");
      await store.settle(result.reservation, 900);
      if (concurrency === 1) latencies.push(performance.now() - started);
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;

  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return latencies.length > 0
    ? { pairs, seconds, p50: at(0.5), p99: at(0.99) }
    : { pairs, seconds };
}

function redisStore(keyPrefix: string): RedisBudgetStore {
  return new RedisBudgetStore({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 5_000 });
}

/** Forks `processes` copies of this file; they start together and share one budget. */
async function runProcesses(
  processes: number,
  pairs: number,
  concurrency: number,
  keyPrefix: string,
) {
  const task = JSON.stringify({ pairs, concurrency, keyPrefix });
  const children = Array.from({ length: processes }, () =>
    fork(process.argv[1]!, [], { env: { ...process.env, AGENTTRACE_BENCH_WORKER: task } }),
  );
  // A worker that dies (say Redis went away) fails the bench instead of leaving it waiting.
  const failed = new Promise<never>((_, reject) => {
    for (const child of children) {
      child.once("exit", (code) => code !== 0 && reject(new Error(`bench worker exited ${code}`)));
    }
  });
  const message = <T>(child: (typeof children)[number]) =>
    Promise.race([
      new Promise<T>((resolve) => child.once("message", (m) => resolve(m as T))),
      failed,
    ]);

  await Promise.all(children.map((c) => message<"ready">(c)));
  const done = children.map((c) => message<Result>(c));
  const started = performance.now();
  for (const child of children) child.send("go");
  const results = await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;

  return { pairs: results.reduce((n, r) => n + r.pairs, 0), seconds };
}

async function worker(): Promise<void> {
  const task = JSON.parse(process.env.AGENTTRACE_BENCH_WORKER!) as {
    pairs: number;
    concurrency: number;
    keyPrefix: string;
  };
  const store = redisStore(task.keyPrefix);
  await store.read(KEY);
  process.send!("ready");

  process.once("message", async () => {
    const result = await run(store, task.pairs, task.concurrency);
    await store.close();
    process.send!(result, () => process.exit(0));
  });
}

function row(store: string, processes: number, concurrency: number, result: Result): string {
  const perSecond = Math.round(result.pairs / result.seconds).toLocaleString("en-US");
  const latency =
    result.p50 === undefined ? "" : `${result.p50.toFixed(3)} / ${result.p99!.toFixed(3)}`;
  return [
    store.padEnd(7),
    String(processes).padStart(9),
    String(concurrency).padStart(11),
    String(result.pairs).padStart(8),
    perSecond.padStart(12),
    latency.padStart(18),
  ].join("  ");
}

async function main(): Promise<void> {
  const keyPrefix = `agenttrace-bench:${process.pid}:`;
  const where = REDIS_URL.replace(/\/\/[^@/]*@/, "//***@");
  console.log(`budget store bench: reserve+settle pairs; Redis at ${where}`);
  console.log(HEADER.join("  "));

  const memory = new MemoryBudgetStore();
  await run(memory, 20_000, 1); // warm-up
  console.log(row("memory", 1, 1, await run(memory, 200_000, 1)));
  console.log(row("memory", 1, 64, await run(memory, 200_000, 64)));

  const redis = redisStore(keyPrefix);
  await run(redis, 2_000, 16); // warm-up: connect, load scripts
  console.log(row("redis", 1, 1, await run(redis, 5_000, 1)));
  console.log(row("redis", 1, 64, await run(redis, 50_000, 64)));
  for (const processes of [2, 4, 8]) {
    const result = await runProcesses(processes, Math.round(80_000 / processes), 64, keyPrefix);
    console.log(row("redis", processes, 64, result));
  }

  const state = await redis.read(KEY);
  await redis.close();
  const admin = new Redis(REDIS_URL);
  await admin.del(...["totals", "leases", "lease-expiry"].map((k) => `${keyPrefix}{${KEY}}:${k}`));
  admin.disconnect();
  if (state.reserved !== 0) throw new Error(`bench left ${state.reserved} reserved`);
}

if (process.env.AGENTTRACE_BENCH_WORKER) await worker();
else await main();
