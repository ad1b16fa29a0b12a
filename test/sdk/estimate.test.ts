import Anthropic, { type Middleware } from "@anthropic-ai/sdk";
import { afterEach, describe, expect, test } from "vitest";

import { Guard } from "../../src/engine/guard.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { guardMiddleware, type GuardMiddlewareOptions } from "../../src/sdk/index.js";
import { startMockAnthropic, type MockAnthropicServer } from "../../src/testing/index.js";
import { localPromptTokens } from "../../src/sdk/estimate.js";
import { MODEL, words } from "./helpers.js";

let server: MockAnthropicServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * A proxy inside the guard's middleware that adds a 50-token system prompt the guard never sees:
 * the stand-in for a tokenizer that counts twice what the local estimate does.
 */
const padding: Middleware = (request, next) => {
  const body = JSON.parse(String(request.body)) as Record<string, unknown>;
  return next({ ...request, body: JSON.stringify({ ...body, system: words(50, "pad") }) });
};

function client(guard: Guard, options: GuardMiddlewareOptions = {}): Anthropic {
  const middleware = [guardMiddleware(guard, options), padding];
  return new Anthropic({ baseURL: server!.url, apiKey: "k", middleware });
}

const ask = {
  model: MODEL,
  max_tokens: 50,
  messages: [{ role: "user" as const, content: words(50) }],
};

describe("prompt estimates", () => {
  test("are calibrated per run by what the API reported, and reported in the summary", async () => {
    server = await startMockAnthropic({ respond: [{ content: "a" }, { content: "b" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const anthropic = client(guard);

    const summary = await guard.run("agent", async (run) => {
      await anthropic.messages.create(ask);
      await anthropic.messages.create(ask);
      return run.summary();
    });

    // The first call was estimated at 50 of 100 tokens; the second, calibrated 2x, at 100.
    expect(summary.tokens.prompt).toBe(200);
    expect(summary.estimates).toEqual({
      calls: 2,
      mean_abs_error: 0.25,
      worst_under: -0.5,
      worst_over: 0,
    });
  });

  test("countTokens asks the API before each call, and is exact from the first", async () => {
    server = await startMockAnthropic({ respond: [{ content: "a" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const anthropic = client(guard, { countTokens: true });

    const summary = await guard.run("agent", async (run) => {
      await anthropic.messages.create(ask);
      return run.summary();
    });

    expect(server.requests.map((r) => r.path)).toEqual([
      "/v1/messages/count_tokens",
      "/v1/messages",
    ]);
    expect(summary.estimates).toMatchObject({ calls: 1, mean_abs_error: 0 });
  });
});

describe("the projected usage the growth policy sees", () => {
  const GROWTH = { inputGrowth: { minTokensPerCall: 1000, consecutiveCalls: 3 } };

  /** An agent loop that adds 1,500 tokens of tool output to its history on every turn. */
  async function growingLoop(anthropic: Anthropic, cached: boolean): Promise<void> {
    const messages: Anthropic.MessageParam[] = [];
    for (let turn = 0; turn < 5; turn++) {
      const block: Anthropic.TextBlockParam = { type: "text", text: words(1500, `t${turn}`) };
      if (cached) block.cache_control = { type: "ephemeral" };
      // Only the newest block carries the breakpoint, as a caching agent moves it along.
      for (const m of messages)
        for (const b of m.content as Anthropic.TextBlockParam[]) delete b.cache_control;
      messages.push({ role: "user", content: [block] });
      const reply = await anthropic.messages.create({ model: MODEL, max_tokens: 50, messages });
      messages.push({ role: "assistant", content: [{ type: "text", text: "ok" }] });
      void reply;
    }
  }

  test("a cached loop, projected at cache prices, fits where full price would not", async () => {
    // The five calls spend about $0.0109; the last is projected at $0.0027 with 6,003 tokens read
    // from cache, but at $0.0078 if its whole prompt were billed as fresh input.
    server = await startMockAnthropic({ respond: () => ({ content: "ok" }) });
    const guard = new Guard({ pricer: defaultPricer, policy: { maxCostUsd: 0.012 } });
    const anthropic = new Anthropic({
      baseURL: server.url,
      apiKey: "k",
      middleware: [guardMiddleware(guard)],
    });

    const summary = await guard.run("agent", async (run) => {
      await growingLoop(anthropic, true);
      return run.summary();
    });

    expect(summary.calls).toBe(5);
    expect(summary.tokens.cache_read).toBe(1500 + 3001 + 4502 + 6003);
    expect(summary.cost_usd).toBeLessThan(0.012);
  });

  test("a history served from cache is not growth; the same history re-sent is", async () => {
    for (const cached of [true, false]) {
      server = await startMockAnthropic({ respond: () => ({ content: "ok" }) });
      const guard = new Guard({ pricer: defaultPricer, policy: GROWTH });
      const anthropic = new Anthropic({
        baseURL: server.url,
        apiKey: "k",
        middleware: [guardMiddleware(guard)],
      });

      const outcome = await guard
        .run("agent", () => growingLoop(anthropic, cached))
        .then(
          () => "completed",
          (e: Error) => e.name,
        );

      expect([cached, outcome]).toEqual([cached, cached ? "completed" : "RunawayGrowthError"]);
      await server.close();
    }
    server = undefined;
  });
});

describe("the local count", () => {
  test("counts a history edited in place as it is now, not as it was first sent", () => {
    const document = {
      type: "document",
      source: { type: "text", media_type: "text/plain", data: "a".repeat(400) },
    };
    const tool = { name: "lookup", input_schema: { type: "object", enum: ["a"] } };
    const body = { tools: [tool], messages: [{ role: "user", content: [document] }] };
    const before = localPromptTokens(body);

    document.source.data = "a".repeat(40_000);
    tool.input_schema.enum = Array.from({ length: 1_000 }, (_, i) => `value ${i}`);
    // 39,600 more characters of document; a thousand enum values of 9 or more characters each.
    expect(localPromptTokens(body) - before).toBeGreaterThan(9_900 + 2_000);
  });
});
