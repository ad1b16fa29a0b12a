// What a body's chunks may be and what a consumer may do with them: the guard records the same.
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { guardMiddleware } from "../../src/sdk/index.js";
import { StreamUsageReader } from "../../src/sdk/stream.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

const ask = {
  model: MODEL,
  max_tokens: 300,
  stream: true as const,
  messages: [{ role: "user" as const, content: words(30) }],
};
const reply = { content: "some reply text that is long enough", outputTokens: 15 };

const sse = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const EVENTS = [
  sse("message_start", { type: "message_start", message: { id: "m", usage: { input_tokens: 5 } } }),
  sse("message_delta", { type: "message_delta", usage: { output_tokens: 9 } }),
  sse("message_stop", { type: "message_stop" }),
];
const bytes = (text: string) => new TextEncoder().encode(text);

describe("the stream reader", () => {
  test.each([
    ["ArrayBuffer", (text: string) => bytes(text).buffer],
    ["DataView", (text: string) => new DataView(bytes(`  ${text}`).buffer, 2)],
    ["string", (text: string) => text],
  ])("reads chunks that are %ss", (_kind, chunk) => {
    const reader = new StreamUsageReader();
    for (const event of EVENTS) reader.push(chunk(event));
    reader.end();

    expect(reader.usage()).toEqual({ input_tokens: 5, output_tokens: 9 });
    expect(reader).toMatchObject({ stopped: true, readFailure: undefined });
  });

  test("reads a chunk the consumer cleared or transferred after it passed", () => {
    const reader = new StreamUsageReader();
    const [first, ...rest] = EVENTS.map(bytes);
    reader.push(first!);
    for (const chunk of rest) reader.push(chunk);
    rest[0]!.fill(0);
    structuredClone(rest[1], { transfer: [rest[1]!.buffer] });

    expect(() => reader.end()).not.toThrow();
    expect(reader.usage()).toEqual({ input_tokens: 5, output_tokens: 9 });
    expect(reader.stopped).toBe(true);
  });
});

describe("a streamed call", () => {
  test("through a custom fetch whose body yields ArrayBuffers is recorded exactly", async () => {
    const server = await start({ respond: [reply] });
    const { guard } = harness(server);
    const buffers: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const source = response.body!.getReader();
      const body = new ReadableStream({
        async pull(controller) {
          const chunk = await source.read();
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value.slice().buffer);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "sk-test",
      fetch: buffers,
      middleware: [guardMiddleware(guard)],
    });

    const run = await guard.run("agent", async (run) => {
      for await (const _event of await client.messages.create(ask));
      return run;
    });
    expect(run.records()).toMatchObject([{ partial: false, usage: { outputTokens: 15 } }]);
  });

  test.each([
    [
      "transfers",
      (chunk: Uint8Array) =>
        void structuredClone(chunk, { transfer: [chunk.buffer as ArrayBuffer] }),
    ],
    ["clears", (chunk: Uint8Array) => void chunk.fill(0)],
  ])("read by a consumer that %s each chunk is recorded exactly", async (_what, act) => {
    const server = await start({ respond: [reply] });
    const { guard, client, events } = harness(server, { maxCostUsd: 1 });

    const run = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask).asResponse();
      const reader = response.body!.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        act(chunk.value);
      }
      // Nothing is left in flight against the budget.
      expect(await guard.budgets.read(`run:${run.id}`)).toMatchObject({ reserved: 0 });
      return run;
    });

    expect(run.records()).toMatchObject([
      { partial: false, usage: { inputTokens: 30, outputTokens: 15 } },
    ]);
    expect(events.middlewareError).toEqual([]);
  });

  test("read by a BYOB reader into one reused buffer is recorded exactly", async () => {
    const server = await start({ respond: [reply] });
    const { guard, client, events } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const response = await client.messages.create(ask).asResponse();
      const reader = response.body!.getReader({ mode: "byob" });
      let text = "";
      const decoder = new TextDecoder();
      let buffer = new ArrayBuffer(64);
      for (;;) {
        const chunk = await reader.read(new Uint8Array(buffer));
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
        buffer = chunk.value.buffer as ArrayBuffer;
      }
      expect(text).toContain("event: message_stop");
      return run;
    });

    expect(run.records()).toMatchObject([
      { partial: false, usage: { inputTokens: 30, outputTokens: 15 } },
    ]);
    expect(events.middlewareError).toEqual([]);
  });
});
