// The guard reads a stream from the body the client reads, however the client reads it.
import { Readable } from "node:stream";
import { text as readText } from "node:stream/consumers";

import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { isBudgetExceededError } from "../../src/engine/errors.js";
import { Guard } from "../../src/engine/guard.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { guardMiddleware } from "../../src/sdk/index.js";
import { responseEnded, useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

const ask = (max_tokens = 300) => ({
  model: MODEL,
  max_tokens,
  stream: true as const,
  messages: [{ role: "user" as const, content: words(30) }],
});

type Read = (response: Response) => Promise<string>;

const reads: Array<[string, Read]> = [
  ["for await over the body", async (r) => decode(await collect(r.body!))],
  [
    "getReader()",
    async (r) => {
      const reader = r.body!.getReader();
      const chunks: Uint8Array[] = [];
      for (let c = await reader.read(); !c.done; c = await reader.read()) chunks.push(c.value);
      return decode(chunks);
    },
  ],
  ["response.text()", (r) => r.text()],
  ["Readable.fromWeb", (r) => readText(Readable.fromWeb(r.body! as never))],
  ["pipeThrough", (r) => readText(r.body!.pipeThrough(new TextDecoderStream()) as never)],
  ["one branch of tee()", async (r) => decode(await collect(r.body!.tee()[0]))],
  ["response.clone()", (r) => r.clone().text()],
];

describe("a stream read as a raw response", () => {
  test.each(reads)("is recorded once, with exact usage, when read by %s", async (_how, read) => {
    const server = await start({ respond: [{ content: "Some reply.", outputTokens: 15 }] });
    const { guard, client } = harness(server);

    const { run, body } = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask()).asResponse();
      return { run, body: await read(response) };
    });

    expect(body).toContain("event: message_stop");
    expect(run.totals.calls).toBe(1);
    expect(run.records()[0]).toMatchObject({ partial: false, usage: { outputTokens: 15 } });
  });

  test("a consumer that stops reading records what was spent, flagged partial", async () => {
    const server = await start({ respond: [{ content: "x".repeat(4_000) }] });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const stream = await client.messages.create(ask(2_000));
      for await (const event of stream) if (event.type === "content_block_delta") break;
      return run;
    });

    expect(run.records()).toHaveLength(1);
    expect(run.records()[0]!.partial).toBe(true);
  });

  test("a cut fails a raw reader's read with the budget error", async () => {
    const server = await start({ respond: [{ content: "x".repeat(1_600) }] });
    // 30 prompt tokens and 60 output tokens at Haiku 4.5 rates: the reply runs far past it.
    const { guard, client } = harness(server, { maxCostUsd: 0.00033 });

    const error = await guard
      .run("agent", async () => {
        const response = await client.messages.create(ask(20)).asResponse();
        const reader = response.body!.getReader();
        for (;;) if ((await reader.read()).done) return undefined;
      })
      .catch((e: unknown) => e);

    expect(isBudgetExceededError(error)).toBe(true);
  });
});

// Cases an adversarial review found; each pins the fix. One reservation fits this budget and two
// do not, so a reservation left behind shows as the run's next call being refused.
describe("a stream the consumer lets go of", () => {
  const TIGHT = { maxCostUsd: 0.002 };
  const LONG = "x".repeat(4_000);

  async function secondCall(client: Anthropic): Promise<void> {
    const stream = await client.messages.create(ask());
    for await (const _event of stream);
  }

  test("a body that failed, then cancelled, is recorded partial and frees its budget", async () => {
    const server = await start({ respond: [{ content: LONG }, { content: "ok" }] });
    const { guard, client } = harness(server, TIGHT);

    const run = await guard.run("agent", async (run) => {
      const abort = new AbortController();
      const response = await client.messages.create(ask(), { signal: abort.signal }).asResponse();
      const reader = response.body!.getReader();
      await reader.read();
      await reader.read();
      abort.abort();
      await reader.closed.catch(() => undefined);
      await reader.cancel().catch(() => undefined);
      await secondCall(client);
      return run;
    });

    expect(run.totals.calls).toBe(2);
    expect(run.records()[0]!.partial).toBe(true);
  });

  test("cancelling the body itself records what was spent", async () => {
    const server = await start({ respond: [{ content: LONG }, { content: "ok" }] });
    const { guard, client } = harness(server, TIGHT);

    const run = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask()).asResponse();
      const reader = response.body!.getReader();
      await reader.read();
      await reader.read();
      reader.releaseLock();
      await response.body!.cancel();
      await secondCall(client);
      return run;
    });

    expect(run.totals.calls).toBe(2);
    expect(run.records()[0]!.partial).toBe(true);
  });

  test("a body cancelled unread records nothing and frees its budget", async () => {
    const server = await start({ respond: [{ content: LONG }, { content: "ok" }] });
    const { guard, client, events } = harness(server, TIGHT);

    const run = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask()).asResponse();
      await response.body!.cancel();
      await secondCall(client);
      return run;
    });

    expect(run.totals.calls).toBe(1);
    expect(events.attemptFailed).toHaveLength(1);
  });

  test("a read refused on a released reader does not end the stream's record", async () => {
    const server = await start({ respond: [{ content: LONG, outputTokens: 1000 }] });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask()).asResponse();
      const first = response.body!.getReader();
      await first.read();
      first.releaseLock();
      await first.read().catch(() => undefined);
      const reader = response.body!.getReader();
      for (let c = await reader.read(); !c.done; c = await reader.read());
      return run;
    });

    expect(run.records()[0]).toMatchObject({ partial: false, usage: { outputTokens: 1000 } });
  });

  test("values({ preventCancel }) and a break: the rest, read on, is recorded whole", async () => {
    const server = await start({ respond: [{ content: LONG, outputTokens: 1000 }] });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const body = (await client.messages.create(ask()).asResponse()).body!;
      let seen = 0;
      for await (const _chunk of body.values({ preventCancel: true })) if (++seen === 2) break;
      const reader = body.getReader();
      for (let c = await reader.read(); !c.done; c = await reader.read());
      return run;
    });

    expect(run.totals.calls).toBe(1);
    expect(run.records()[0]).toMatchObject({ partial: false, usage: { outputTokens: 1000 } });
  });

  test("a cut read through values({ preventCancel }) still closes the connection", async () => {
    const server = await start({ respond: [{ content: "x".repeat(1_600) }] });
    const { guard, client } = harness(server, { maxCostUsd: 0.00033 });

    const error = await guard
      .run("agent", async () => {
        const body = (await client.messages.create(ask(20)).asResponse()).body!;
        for await (const _chunk of body.values({ preventCancel: true }));
      })
      .catch((e: unknown) => e);

    expect(isBudgetExceededError(error)).toBe(true);
    expect((await responseEnded(server, 0)).outcome).toBe("aborted");
  });
});

describe("two guards on one client", () => {
  test("both record a stream, each once", async () => {
    const server = await start({ respond: [{ content: "ok", outputTokens: 7 }] });
    const team = new Guard({ pricer: defaultPricer, policy: { maxCostUsd: 5 } });
    const tenant = new Guard({ pricer: defaultPricer, policy: { maxCostUsd: 1 } });
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "sk-test",
      middleware: [guardMiddleware(team), guardMiddleware(tenant)],
    });

    const stream = await client.messages.create(ask());
    for await (const _event of stream);

    for (const guard of [team, tenant]) {
      const runs = guard.liveRuns();
      expect(runs.map((run) => run.totals.calls)).toEqual([1]);
      expect(runs[0]!.records()[0]!.usage.outputTokens).toBe(7);
    }
  });
});

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return chunks;
}

function decode(chunks: Uint8Array[]): string {
  return Buffer.concat(chunks).toString("utf8");
}
