import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, test } from "vitest";

import { ManualClock } from "../../src/clock.js";
import {
  type MockAnthropicOptions,
  type MockAnthropicServer,
  failFirst,
  overloaded,
  startMockAnthropic,
} from "../../src/testing/index.js";
import { MODEL, clientFor } from "./helpers.js";

type MessageParam = Anthropic.MessageParam;

// 400 characters: 100 tokens.
const SYSTEM = "S".repeat(400);
const FIVE_MINUTES = 5 * 60_000;

let server: MockAnthropicServer | undefined;

async function start(options: Partial<MockAnthropicOptions> = {}): Promise<Anthropic> {
  server = await startMockAnthropic({ respond: () => ({ content: "ok" }), ...options });
  return clientFor(server);
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function cachedSystem(ttl?: "5m" | "1h"): Anthropic.TextBlockParam[] {
  const cache_control = ttl ? { type: "ephemeral" as const, ttl } : { type: "ephemeral" as const };
  return [{ type: "text", text: SYSTEM, cache_control }];
}

function ask(client: Anthropic, params: Partial<Anthropic.MessageCreateParamsNonStreaming>) {
  const messages: MessageParam[] = [{ role: "user", content: "Hi there" }];
  return client.messages.create({ model: MODEL, max_tokens: 100, messages, ...params });
}

function cacheFigures(usage: Anthropic.Usage) {
  return {
    input: usage.input_tokens,
    read: usage.cache_read_input_tokens,
    write5m: usage.cache_creation?.ephemeral_5m_input_tokens,
    write1h: usage.cache_creation?.ephemeral_1h_input_tokens,
  };
}

describe("input tokens", () => {
  test("grow as an agent re-attaches its history", async () => {
    const replies = ["Paris.", "Madrid."];
    const client = await start({ respond: ({ turn }) => ({ content: replies[turn] ?? "Rome." }) });
    const history: MessageParam[] = [];
    const inputs: number[] = [];

    for (const question of ["What is the capital of France?", "And of Spain?", "And of Italy?"]) {
      history.push({ role: "user", content: question });
      const message = await client.messages.create({
        model: MODEL,
        max_tokens: 50,
        messages: history,
      });
      history.push({ role: "assistant", content: message.content });
      inputs.push(message.usage.input_tokens);
    }

    // 8 for the first question; then + "Paris." (2) + 4, then + "Madrid." (2) + 4.
    expect(inputs).toEqual([8, 14, 20]);
  });
});

describe("prompt caching", () => {
  test("the first call writes a cached prefix and the next one reads it", async () => {
    const client = await start();

    const first = await ask(client, { system: cachedSystem() });
    const second = await ask(client, { system: cachedSystem() });

    expect(first.usage.cache_creation_input_tokens).toBe(100);
    expect(cacheFigures(first.usage)).toEqual({ input: 2, read: 0, write5m: 100, write1h: 0 });
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(cacheFigures(second.usage)).toEqual({ input: 2, read: 100, write5m: 0, write1h: 0 });
  });

  test("a breakpoint moved down a conversation reads the old prefix, writes the rest", async () => {
    const client = await start();
    const cached = (text: string): MessageParam => ({
      role: "user",
      content: [{ type: "text", text, cache_control: { type: "ephemeral" } }],
    });

    const first = await ask(client, { system: SYSTEM, messages: [cached("Question one?")] });
    const second = await ask(client, {
      system: SYSTEM,
      messages: [
        { role: "user", content: [{ type: "text", text: "Question one?" }] },
        { role: "assistant", content: "Answer one." },
        cached("Question two?"),
      ],
    });

    // System 100 + question 4 written; then that read, and the answer (3) + question (4) written.
    expect(cacheFigures(first.usage)).toEqual({ input: 0, read: 0, write5m: 104, write1h: 0 });
    expect(cacheFigures(second.usage)).toEqual({ input: 0, read: 104, write5m: 7, write1h: 0 });
  });

  test("each breakpoint writes at its own TTL", async () => {
    const client = await start();
    const tool = {
      name: "get_weather",
      description: "Get the weather for a city.",
      input_schema: {
        type: "object" as const,
        properties: { city: { type: "string" } },
        required: ["city"],
      },
      cache_control: { type: "ephemeral" as const, ttl: "1h" as const },
    };

    const message = await ask(client, {
      tools: [tool],
      system: "You are terse.",
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Hi there", cache_control: { type: "ephemeral" } }],
        },
      ],
    });

    // The tool (40) at 1 hour; system (4) and message (2) at 5 minutes.
    expect(cacheFigures(message.usage)).toEqual({ input: 0, read: 0, write5m: 6, write1h: 40 });
  });

  test("a top-level cache_control caches the whole prompt (automatic caching)", async () => {
    const client = await start();

    const first = await ask(client, { system: SYSTEM, cache_control: { type: "ephemeral" } });
    const second = await ask(client, { system: SYSTEM, cache_control: { type: "ephemeral" } });

    expect(cacheFigures(first.usage)).toEqual({ input: 0, read: 0, write5m: 102, write1h: 0 });
    expect(cacheFigures(second.usage)).toEqual({ input: 0, read: 102, write5m: 0, write1h: 0 });
  });

  test("entries expire after their TTL, and a read keeps one alive", async () => {
    const clock = new ManualClock(1_000_000);
    const client = await start({ clock });

    await ask(client, { system: cachedSystem() });
    clock.advance(FIVE_MINUTES);
    const expired = await ask(client, { system: cachedSystem() });
    clock.advance(FIVE_MINUTES - 1);
    const read = await ask(client, { system: cachedSystem() });
    clock.advance(FIVE_MINUTES - 1);
    const readAgain = await ask(client, { system: cachedSystem() });

    expect(cacheFigures(expired.usage)).toMatchObject({ read: 0, write5m: 100 });
    expect(cacheFigures(read.usage)).toMatchObject({ read: 100, write5m: 0 });
    expect(cacheFigures(readAgain.usage)).toMatchObject({ read: 100, write5m: 0 });
  });

  test("the cache is per model", async () => {
    const client = await start();

    await ask(client, { system: cachedSystem() });
    const other = await ask(client, { system: cachedSystem(), model: "claude-haiku-4-5" });

    expect(cacheFigures(other.usage)).toMatchObject({ read: 0, write5m: 100 });
  });

  test("a prefix shorter than minCacheTokens is not cached", async () => {
    const client = await start({ minCacheTokens: 1024 });

    const message = await ask(client, { system: cachedSystem() });

    expect(cacheFigures(message.usage)).toEqual({ input: 102, read: 0, write5m: 0, write1h: 0 });
  });

  test("a failed call writes nothing", async () => {
    const client = await start({ respond: failFirst([overloaded()], () => ({ content: "ok" })) });

    await expect(ask(client, { system: cachedSystem() })).rejects.toMatchObject({ status: 529 });
    const message = await ask(client, { system: cachedSystem() });

    expect(cacheFigures(message.usage)).toMatchObject({ read: 0, write5m: 100 });
  });

  test("more than 4 breakpoints are refused with 400, as the API does", async () => {
    const client = await start();
    const block = (text: string) => ({
      type: "text" as const,
      text,
      cache_control: { type: "ephemeral" as const },
    });

    const call = ask(client, { system: ["a", "b", "c", "d", "e"].map(block) });

    await expect(call).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
      ),
    });
    expect(server!.requests[0]!.turn).toBeUndefined();
  });
});
