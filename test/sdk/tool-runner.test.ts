import { betaZodTool } from "@anthropic-ai/sdk/helpers/beta/zod";
import { describe, expect, test } from "vitest";
import { z } from "zod";

import { withStep } from "../../src/engine/context.js";
import { isCallLimitError } from "../../src/engine/errors.js";
import { text, toolUse, type Responder } from "../../src/testing/index.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL } from "./helpers.js";

const start = useMockServer();

/** Fetches sources one by one until it has `sources` results, then answers. */
function citeChecker(sources: number): Responder {
  return ({ body }) => {
    const results = body.messages.flatMap((m) =>
      Array.isArray(m.content) ? m.content.filter((b) => b.type === "tool_result") : [],
    );
    if (results.length >= sources) return { content: "All citations check out." };
    return { content: [text("Fetching."), toolUse("fetch_source", { n: results.length + 1 })] };
  };
}

const fetchSource = betaZodTool({
  name: "fetch_source",
  description: "Fetch a cited source.",
  inputSchema: z.object({ n: z.number() }),
  run: ({ n }) => `Source ${n}: `.padEnd(800, "lorem ipsum "),
});

const params = {
  model: MODEL,
  max_tokens: 300,
  messages: [{ role: "user" as const, content: "Check the citations of the summary." }],
  tools: [fetchSource],
};

describe("the SDK's tool runner goes through the guard", () => {
  test("every turn is recorded in its step, the thread's history in its estimate", async () => {
    const server = await start({ respond: citeChecker(2) });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      await withStep("cite_check", async () => await client.beta.messages.toolRunner(params));
      return run;
    });

    const records = run.records();
    expect(records.map((r) => r.toolUses.map((t) => t.input))).toEqual([
      [{ n: 1 }],
      [{ n: 2 }],
      [],
    ]);
    expect(records.every((r) => r.tags.step === "cite_check")).toBe(true);

    // The runner continues a server-held thread, sending only new turns; the estimate adds the
    // thread's known history, so it stays exact against the mock's tokenizer.
    expect(server.requests[1]!.body).toMatchObject({ thread: { type: "continue" } });
    expect(run.summary().estimates).toEqual({
      calls: 3,
      mean_abs_error: 0,
      worst_under: 0,
      worst_over: 0,
    });
  });

  test("a refused turn stops the runner before the request is sent", async () => {
    const server = await start({ respond: citeChecker(5) });
    const { guard, client } = harness(server, { maxCallsPerStep: 2 });

    const error = await guard
      .run("agent", () =>
        withStep("cite_check", async () => await client.beta.messages.toolRunner(params)),
      )
      .catch((e: unknown) => e);

    expect(isCallLimitError(error)).toBe(true);
    expect(error).toMatchObject({ step: "cite_check", limit: 2, observed: 3 });
    expect(server.requests).toHaveLength(2);
  });

  test("a streaming runner is guarded the same way", async () => {
    const server = await start({ respond: citeChecker(1) });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const runner = client.beta.messages.toolRunner({ ...params, stream: true });
      for await (const stream of runner) await stream.finalMessage();
      return run;
    });

    expect(run.totals.calls).toBe(2);
    expect(run.summary().estimates?.mean_abs_error).toBe(0);
  });
});
