import { APIError } from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { isBudgetExceededError, isCallLimitError } from "../../src/engine/errors.js";
import { apiError, failFirst, overloaded, rateLimited } from "../../src/testing/index.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL } from "./helpers.js";

const start = useMockServer();

const ask = { model: MODEL, max_tokens: 100, messages: [{ role: "user" as const, content: "hi" }] };

describe("refusals and failed attempts", () => {
  test("a refused call throws its typed error, unretried, never reaching the server", async () => {
    const server = await start({ respond: [{ content: "one" }, { content: "two" }] });
    const { guard, client, events } = harness(server, { maxCalls: 1 });

    const error = await guard
      .run("agent", async () => {
        await client.messages.create(ask);
        await client.messages.create(ask);
      })
      .catch((e: unknown) => e);

    expect(isCallLimitError(error)).toBe(true);
    expect(error).toMatchObject({ policy: "maxCalls", limit: 1, observed: 2, when: "before_call" });
    expect(server.requests.map((r) => r.path)).toEqual(["/v1/messages"]);
    expect(events.refused).toHaveLength(1);
  });

  test("a call over budget is refused before its first byte is sent", async () => {
    const server = await start({ respond: [{ content: "never" }] });
    // 100 output tokens of Haiku 4.5 project $0.0005, above a $0.0001 budget.
    const { guard, client } = harness(server, { maxCostUsd: 0.0001 });

    const error = await guard.run("agent", () => client.messages.create(ask)).catch((e) => e);

    expect(isBudgetExceededError(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  test("a 529 then a success counts one billed call and holds no reservation", async () => {
    const server = await start({ respond: failFirst([overloaded()], [{ content: "ok" }]) });
    const { guard, client, events } = harness(server, { maxCostUsd: 1 });

    // The run's budget lives as long as the run: read it before the run ends.
    const [run, budget] = await guard.run("agent", async (run) => {
      await client.messages.create(ask);
      return [run, await guard.budgets.read(`run:${run.id}`)] as const;
    });

    expect(server.requests.map((r) => r.status)).toEqual([529, 200]);
    expect(run.totals.calls).toBe(1);
    expect(events.attemptFailed).toEqual([
      expect.objectContaining({ run, status: 529, retry: 0, model: MODEL }),
    ]);
    expect(budget.reserved).toBe(0);
    expect(budget.spent).toBe(run.totals.cost);
    expect(await guard.budgets.read(`run:${run.id}`)).toEqual({ spent: 0, reserved: 0 });
  });

  test("attempts that all fail record nothing and release what they reserved", async () => {
    const server = await start({
      respond: failFirst([rateLimited(), rateLimited(), rateLimited()], []),
    });
    const { guard, client, events } = harness(server, { maxCostUsd: 1 });

    let runId = "";
    const error = await guard
      .run("agent", async (run) => {
        runId = run.id;
        await client.messages.create(ask);
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(429);
    expect(events.attemptFailed!.map((e) => [e.status, e.retry])).toEqual([
      [429, 0],
      [429, 1],
      [429, 2],
    ]);
    expect(events.call).toHaveLength(0);
    expect(await guard.budgets.read(`run:${runId}`)).toEqual({ spent: 0, reserved: 0 });
  });

  test("a connection dropped before any event is a failed attempt, not a call", async () => {
    const server = await start({
      respond: [{ content: "never seen", interrupt: { afterEvents: 0 } }],
    });
    const { guard, client, events } = harness(server);

    // Retries off: the SDK would retry a dropped connection after its own backoff.
    const run = await guard.run("agent", async (run) => {
      const sent = client.messages.create({ ...ask, stream: true }, { maxRetries: 0 });
      await expect(sent).rejects.toThrow(/Connection error/);
      return run;
    });

    expect(run.totals.calls).toBe(0);
    expect(events.attemptFailed).toEqual([expect.objectContaining({ error: expect.anything() })]);
    expect(events.attemptFailed![0]!.status).toBeUndefined();
  });

  test("an API error mid-stream records what message_start reported, flagged partial", async () => {
    const server = await start({
      respond: [
        { content: "a long enough reply", interrupt: { afterEvents: 3, error: overloaded() } },
      ],
    });
    const { guard, client } = harness(server);

    const run = await guard.run("agent", async (run) => {
      const stream = await client.messages.create({ ...ask, stream: true });
      await expect(async () => {
        for await (const _event of stream);
      }).rejects.toThrow(/Overloaded/);
      return run;
    });

    expect(run.totals.calls).toBe(1);
    expect(run.records()[0]).toMatchObject({ partial: true, usage: { inputTokens: 1 } });
  });

  test("a 400 is not retried, and is not a call", async () => {
    const server = await start({ respond: [apiError(400, { message: "bad" })] });
    const { guard, client, events } = harness(server);

    await expect(guard.run("agent", () => client.messages.create(ask))).rejects.toThrow(/bad/);
    expect(events.attemptFailed).toEqual([expect.objectContaining({ status: 400 })]);
    expect(events.call).toHaveLength(0);
  });
});
