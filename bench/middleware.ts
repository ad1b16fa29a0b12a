// Measures what the guard middleware adds to a model call: the same calls through the real SDK
// to the local Anthropic server over loopback, with and without the middleware, JSON and
// streamed. The guard runs the default policy plus a dollar budget, so every call is estimated,
// checked, reserved, recorded and settled. The server runs in a child process, so its own work
// does not share the client's thread; `added` is the median of per-call differences, each guarded
// call paired with the unguarded call of the same round, which cancels most of the machine's
// noise, with a 95% confidence interval: an interval that excludes 0 is a measured cost.
//
//   npm run bench -- middleware      (builds first)
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";

import Anthropic from "@anthropic-ai/sdk";

import { Guard } from "../src/engine/guard.js";
import { parsePolicy } from "../src/policies/load.js";
import { defaultPricer } from "../src/pricing/index.js";
import { guardMiddleware } from "../src/sdk/index.js";
import { startMockAnthropic } from "../src/testing/index.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 200;
/** Calls per block when measuring how far the round trip drifts during a run. */
const BLOCK = 200;
const REPLY = "A reply of a few dozen tokens, streamed in several chunks to the client.";

// The same script is the server when forked with BENCH_SERVER set: it reports its URL and stops
// when the parent disconnects.
if (process.env.BENCH_SERVER) {
  const server = await startMockAnthropic({ respond: () => ({ content: REPLY }) });
  process.send!(server.url);
  process.once("disconnect", () => void server.close().then(() => process.exit(0)));
  // The rest of the script is the client's; the server lives on until the parent lets it go.
  await new Promise(() => undefined);
}

const child = fork(process.argv[1]!, [], { env: { ...process.env, BENCH_SERVER: "1" } });
const server = {
  url: await new Promise<string>((resolve) => child.once("message", (url) => resolve(String(url)))),
  close: async () => {
    child.disconnect();
    await new Promise((resolve) => child.once("exit", resolve));
  },
};
const guard = new Guard({
  pricer: defaultPricer,
  policy: parsePolicy({ extends: "default", maxCostUsd: 1_000, maxCallsPerStep: null }),
});
const plain = new Anthropic({ baseURL: server.url, apiKey: "bench", maxRetries: 0 });
// The SDK's middleware chain has a cost of its own: a pass-through middleware shows it apart.
const passThrough = new Anthropic({
  baseURL: server.url,
  apiKey: "bench",
  maxRetries: 0,
  middleware: [(request, next) => next(request)],
});
const guarded = new Anthropic({
  baseURL: server.url,
  apiKey: "bench",
  maxRetries: 0,
  middleware: [guardMiddleware(guard)],
});

// A prompt of a realistic size: a system prompt and a few turns of history, ~2,000 tokens.
const params = {
  model: "claude-haiku-4-5",
  max_tokens: 512,
  system: "You are a careful assistant. ".repeat(40),
  messages: [
    { role: "user" as const, content: "Question about the data. ".repeat(100) },
    { role: "assistant" as const, content: "An earlier answer. ".repeat(100) },
    { role: "user" as const, content: "A follow-up question. ".repeat(100) },
  ],
};

async function json(client: Anthropic): Promise<void> {
  await client.messages.create(params);
}

async function streamed(client: Anthropic): Promise<void> {
  const stream = await client.messages.create({ ...params, stream: true });
  for await (const _event of stream);
}

/**
 * Per-call times in ms for each client. Calls go one by one, each round in a new random order:
 * a busy moment on the machine falls on every client alike, and no client gains from its place
 * in the round (the call after another is often a little faster).
 */
async function measure(call: (client: Anthropic) => Promise<void>) {
  const clients = { without: plain, empty: passThrough, with: guarded };
  const times = { without: [] as number[], empty: [] as number[], with: [] as number[] };
  const names = Object.keys(clients) as (keyof typeof clients)[];

  await guard.run("bench", async () => {
    for (let i = 0; i < WARMUP; i++) {
      await Promise.all([call(plain), call(passThrough), call(guarded)]);
    }
    for (let i = 0; i < CALLS; i++) {
      for (const name of shuffled(names)) {
        const start = performance.now();
        await call(clients[name]);
        times[name].push(performance.now() - start);
      }
    }
  });
  const paired = (a: number[], b: number[]) => a.map((value, i) => value - b[i]!);
  return {
    ...times,
    added: paired(times.with, times.without),
    chain: paired(times.empty, times.without),
  };
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A 95% confidence interval of the median, from order statistics (no assumption about the
 * distribution): an interval that excludes 0 means the difference was measured.
 */
function medianInterval(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = (1.96 * Math.sqrt(n)) / 2;
  const low = Math.max(0, Math.floor(n / 2 - half));
  const high = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [sorted[low]!, sorted[high]!];
}

/**
 * The lowest and highest median of consecutive blocks of calls: how far the round trip itself
 * moves over the run, the resolution of any figure that is not paired call by call.
 */
function drift(values: number[]): [number, number] {
  const medians: number[] = [];
  for (let at = 0; at + BLOCK <= values.length; at += BLOCK) {
    medians.push(quantile(values.slice(at, at + BLOCK), 0.5));
  }
  return [Math.min(...medians), Math.max(...medians)];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

const ms = (value: number) => `${value.toFixed(3)} ms`.padStart(11);
const row = (label: string, ...values: number[]) =>
  console.log(`${label.padEnd(24)}${values.map(ms).join("")}`);

console.log(`${CALLS} calls each, ~2,000-token prompt, loopback server, Node ${process.version}`);
const heads = `${"median".padStart(11)}${"p95".padStart(11)}   95% CI of the median`;
console.log(`${"".padEnd(24)}${heads}`);
for (const [name, call] of [
  ["json", json],
  ["stream", streamed],
] as const) {
  const { without, empty, with: guardedTimes, added, chain } = await measure(call);
  const q = (values: number[]) => [quantile(values, 0.5), quantile(values, 0.95)] as const;
  row(`${name} no middleware`, ...q(without));
  row(`${name} pass-through`, ...q(empty));
  row(`${name} agenttrace`, ...q(guardedTimes));
  row(`${name} added, paired`, ...q(added), ...medianInterval(added));
  row(`  SDK chain, paired`, ...q(chain), ...medianInterval(chain));
  const [low, high] = drift(without);
  console.log(
    `${"  round trip's own drift".padEnd(24)}${ms(high - low)}` +
      `   (medians of ${BLOCK}-call blocks without middleware: ${ms(low).trim()} to ` +
      `${ms(high).trim()})`,
  );
}
await server.close();
