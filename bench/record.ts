// Measures the cost of recording a call into a live run against a bare array push of the same
// object (the floor), and the memory and summary time of a run of a million calls.
// Run with `npm run bench` (node --expose-gc, after a build).
import { performance } from "node:perf_hooks";
import { defaultPricer } from "../src/pricing/index.js";
import { createRecord, type CallRecord } from "../src/record/record.js";
import { Run } from "../src/run/run.js";

const CALLS = 1_000_000;
const gc = (globalThis as { gc?: () => void }).gc;

function makeRecords(n: number): CallRecord[] {
  const models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"];
  const steps = ["search", "summarize", "cite_check", "answer"];
  const out: CallRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = createRecord(
      {
        model: models[i % 3]!,
        usage: { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000 },
        latencyMs: 500 + (i % 4000),
        startedAt: 1_700_000_000_000 + i * 10,
        tags: { step: steps[i % 4]! },
      },
      defaultPricer,
    );
  }
  return out;
}

function heap(): number {
  gc?.();
  gc?.();
  // Latencies live in typed arrays, whose memory is counted apart from the JS heap.
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

function timePerCall(label: string, n: number, body: () => void): number {
  const start = performance.now();
  body();
  const ns = ((performance.now() - start) * 1e6) / n;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/call`);
  return ns;
}

const records = makeRecords(CALLS);

// Warm both paths so the JIT has compiled them before the timed runs.
for (let w = 0; w < 3; w++) {
  const warm = new Run("warm", { keepRecords: true });
  const arr: CallRecord[] = [];
  for (let i = 0; i < 200_000; i++) {
    warm.add(records[i]!);
    arr.push(records[i]!);
  }
}

console.log(`agenttrace bench: ${CALLS.toLocaleString("en-US")} calls, node ${process.version}`);
const floorArr: CallRecord[] = [];
const floor = timePerCall("bare array push (the floor)", CALLS, () => {
  for (let i = 0; i < CALLS; i++) floorArr.push(records[i]!);
});
const keepRun = new Run("keep", { keepRecords: true });
const keep = timePerCall("run.add, keeping records", CALLS, () => {
  for (let i = 0; i < CALLS; i++) keepRun.add(records[i]!);
});
const leanRun = new Run("lean", { keepRecords: false });
const lean = timePerCall("run.add, aggregates only", CALLS, () => {
  for (let i = 0; i < CALLS; i++) leanRun.add(records[i]!);
});
console.log(
  `overhead over the floor: ${(keep - floor).toFixed(1)} ns/call (keeping records), ` +
    `${(lean - floor).toFixed(1)} ns/call (aggregates only)`,
);

const start = performance.now();
const summary = keepRun.summary();
console.log(
  `summary of ${summary.calls.toLocaleString("en-US")} calls: ` +
    `${(performance.now() - start).toFixed(0)} ms (p95 ${summary.latency_ms.p95} ms)`,
);

// Memory a run keeps per call: add the same records to fresh runs and compare the heap.
floorArr.length = 0;
const before = heap();
const kept = new Run("mem-keep", { keepRecords: true });
for (let i = 0; i < CALLS; i++) kept.add(records[i]!);
const afterKeep = heap();
const leanMem = new Run("mem-lean", { keepRecords: false });
for (let i = 0; i < CALLS; i++) leanMem.add(records[i]!);
const afterLean = heap();
const keptBytes = ((afterKeep - before) / CALLS).toFixed(1);
const leanBytes = ((afterLean - afterKeep) / CALLS).toFixed(1);
console.log(
  `memory kept by the run: ${keptBytes} bytes/call keeping records (plus the records ` +
    `themselves), ${leanBytes} bytes/call aggregates only`,
);

// The records themselves, as a run holding the only reference to them would keep them.
const beforeRecords = heap();
const fresh = makeRecords(CALLS);
const afterRecords = heap();
console.log(
  `one call record in memory: ${((afterRecords - beforeRecords) / CALLS).toFixed(0)} bytes`,
);
if (!gc) console.log("(run with node --expose-gc for exact memory figures)");
void kept.totals;
void leanMem.totals;
void fresh.length;
