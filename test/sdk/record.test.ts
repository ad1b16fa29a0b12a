import type Anthropic from "@anthropic-ai/sdk";
import type { Middleware } from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { withStep } from "../../src/engine/context.js";
import { Guard } from "../../src/engine/guard.js";
import { isInvalidInputError, type InvalidInputError } from "../../src/errors.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { guardMiddleware } from "../../src/sdk/index.js";
import { text, toolUse } from "../../src/testing/index.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

const ask = (content: string) => ({
  model: MODEL,
  max_tokens: 300,
  messages: [{ role: "user" as const, content }],
});

// A system prompt cached for an hour: message_start reports the 1-hour write in its breakdown,
// which message_delta does not repeat.
const cachedAsk = (content: string): Anthropic.MessageCreateParamsNonStreaming => ({
  ...ask(content),
  system: [
    { type: "text", text: words(200, "sys"), cache_control: { type: "ephemeral", ttl: "1h" } },
  ],
});

describe("recording calls through the SDK", () => {
  test("a JSON reply is recorded from usage, in its step, with its tool calls", async () => {
    const server = await start({
      respond: [{ content: [text("Checking."), toolUse("fetch_source", { url: "a" })] }],
    });
    const { guard, client } = harness(server);

    const { run, message } = await guard.run("agent", async (run) => {
      const message = await withStep("cite_check", () => client.messages.create(cachedAsk("hi")));
      return { run, message };
    });

    const [record] = run.records();
    expect(record).toMatchObject({
      model: MODEL,
      tags: { step: "cite_check" },
      toolUses: [{ name: "fetch_source", input: { url: "a" } }],
      usage: {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheWrite1hTokens: 200,
        cacheWrite5mTokens: 0,
        cacheReadTokens: 0,
      },
    });
    expect(record!.partial).toBe(false);
    expect(run.summary().by_tag.step).toHaveProperty("cite_check");
  });

  test("a stream records message_delta's output (15), not message_start's 1 or a sum", async () => {
    const server = await start({
      respond: [{ content: "A reply of some length.", outputTokens: 15 }],
    });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const stream = await client.messages.create({ ...cachedAsk("hi"), stream: true });
      for await (const _event of stream);
      return run;
    });

    const [record] = run.records();
    expect(record!.usage).toMatchObject({ outputTokens: 15, cacheWrite1hTokens: 200 });
    // The breakdown came from message_start: priced as 1-hour writes ($2/M on Haiku 4.5), plus
    // 1 uncached input token ($1/M) and 15 output tokens ($5/M).
    const expected = 200 * 2 + 1 * 1 + 15 * 5;
    expect(run.summary().cost_usd).toBeCloseTo(expected / 1e6, 12);
    expect(run.summary().partial_calls).toBe(0);
  });

  test("client.messages.stream() is recorded once, with exact usage", async () => {
    const server = await start({ respond: [{ content: [toolUse("f", { q: 1 })] }] });
    const { guard, client } = harness(server);

    const { run, final } = await guard.run("agent", async (run) => {
      const final = await client.messages.stream(ask(words(40))).finalMessage();
      return { run, final };
    });

    expect(run.totals.calls).toBe(1);
    expect(run.records()[0]).toMatchObject({
      usage: { inputTokens: final.usage.input_tokens, outputTokens: final.usage.output_tokens },
      toolUses: [{ name: "f", input: { q: 1 } }],
    });
  });

  test("a call outside any run lands in a run of its own", async () => {
    const server = await start({ respond: [{ content: "a" }, { content: "b" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const middleware = guardMiddleware(guard);
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({ baseURL: server.url, apiKey: "k", middleware: [middleware] });

    await client.messages.create(ask("one"));
    await client.messages.create(ask("two"));

    expect(middleware.unattributed?.name).toBe("unattributed");
    expect(middleware.unattributed?.totals.calls).toBe(2);
  });

  test("a call made after its run ended lands in the unattributed run, in its step", async () => {
    const server = await start({ respond: [{ content: "late" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const middleware = guardMiddleware(guard);
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({ baseURL: server.url, apiKey: "k", middleware: [middleware] });

    // A background task of the run that outlives it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let late!: Promise<unknown>;
    const ended = await guard.run("short", async (run) => {
      late = withStep("cleanup", async () => {
        await gate;
        return client.messages.create(ask("after the end"));
      });
      return run;
    });
    release();
    await late;

    expect(ended.totals.calls).toBe(0);
    expect(middleware.unattributed?.records().map((r) => r.tags.step)).toEqual(["cleanup"]);
  });

  test("a reply the middleware cannot read is reported, and the agent still gets it", async () => {
    const server = await start({ respond: [{ content: "fine" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const errors: unknown[] = [];
    guard.on("middlewareError", (event) => errors.push(event));

    // Inside the guard's middleware, a proxy that strips `usage` from the reply.
    const strip: Middleware = async (request, next) => {
      const response = await next(request);
      const body = (await response.json()) as Record<string, unknown>;
      delete body.usage;
      return new Response(JSON.stringify(body), response);
    };
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "k",
      middleware: [guardMiddleware(guard), strip],
    });

    const run = await guard.run("agent", async (run) => {
      const message = await client.messages.create(ask("hi"));
      expect(message.content).toEqual([{ type: "text", text: "fine" }]);
      return run;
    });

    expect(run.totals.calls).toBe(0);
    expect(errors).toEqual([expect.objectContaining({ phase: "response", run })]);
  });
});

describe("options", () => {
  test("are checked when the middleware is built, every problem named", () => {
    const guard = new Guard({ pricer: defaultPricer });
    const bad = { windDown: { minOutputTokens: 0 }, cutStreams: "yes", extra: 1 };

    let error: unknown;
    try {
      guardMiddleware(guard, bad as never);
    } catch (e) {
      error = e;
    }

    expect(isInvalidInputError(error)).toBe(true);
    const paths = (error as InvalidInputError).issues.map((issue) => issue.path);
    expect(paths.sort()).toEqual(["", "cutStreams", "windDown.minOutputTokens"]);
  });

  test("a reply whose usage is malformed is reported with the field and value, not recorded", async () => {
    const server = await start({ respond: [{ content: "fine" }] });
    const guard = new Guard({ pricer: defaultPricer });
    const errors: Array<{ phase: string; error: unknown }> = [];
    guard.on("middlewareError", (event) => errors.push(event));

    // A proxy inside the guard's middleware that garbles one usage count.
    const garble: Middleware = async (request, next) => {
      const response = await next(request);
      const body = (await response.json()) as { usage: Record<string, unknown> };
      body.usage.input_tokens = "ten";
      return new Response(JSON.stringify(body), response);
    };
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "k",
      middleware: [guardMiddleware(guard), garble],
    });

    const run = await guard.run("agent", async (run) => {
      await client.messages.create(ask("hi"));
      return run;
    });

    expect(run.totals.calls).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.phase).toBe("record");
    expect(isInvalidInputError(errors[0]!.error)).toBe(true);
    expect((errors[0]!.error as InvalidInputError).message).toMatch(/input_tokens.*"ten"/s);
  });
});
