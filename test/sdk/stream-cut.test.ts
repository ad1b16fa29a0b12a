import { describe, expect, test } from "vitest";

import { isBudgetExceededError } from "../../src/engine/errors.js";
import { violationOf } from "../../src/sdk/index.js";
import { responseEnded } from "../testing/helpers.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

// The mock does not stop at max_tokens, so a reply can run past what the call reserved: the
// stream meter is then all that stands between the reply and the budget.
const LONG_REPLY = "x".repeat(400 * 4);
const ask = {
  model: MODEL,
  max_tokens: 20,
  messages: [{ role: "user" as const, content: words(10) }],
};

// Haiku 4.5: $1/M input, $5/M output. 10 prompt tokens plus 60 output tokens cost $0.00031.
const BUDGET = { maxCostUsd: 0.00031 };

describe("cutting a stream off", () => {
  test("a stream passing the budget is cut off, and its partial spend recorded", async () => {
    const server = await start({ respond: [{ content: LONG_REPLY }] });
    const { guard, client, events } = harness(server, BUDGET);

    let seen = "";
    const run = await guard.run("agent", async (run) => {
      const stream = await client.messages.create({ ...ask, stream: true });
      const error = await (async () => {
        for await (const event of stream) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
            seen += event.delta.text;
          }
        }
      })().catch((e: unknown) => e);
      expect(isBudgetExceededError(error)).toBe(true);
      expect(error).toMatchObject({ policy: "maxCostUsd", limit: 0.00031 });
      return run;
    });

    // The server saw the client go away before the reply was done.
    expect((await responseEnded(server, 0)).outcome).toBe("aborted");

    const [record] = run.records();
    expect(record!.partial).toBe(true);
    expect(record!.usage.inputTokens).toBe(10);
    expect(record!.usage.outputTokens).toBeGreaterThan(60);
    expect(record!.usage.outputTokens).toBeLessThan(400);
    expect(seen.length).toBeLessThan(record!.usage.outputTokens * 4);
    expect(run.summary()).toMatchObject({ partial_calls: 1, outcome: "tripped" });
    expect(events.streamCut).toEqual([expect.objectContaining({ run, record })]);
  });

  test("after the cut the run is stopped: its next call is refused before it is sent", async () => {
    const server = await start({ respond: [{ content: LONG_REPLY }, { content: "no" }] });
    const { guard, client } = harness(server, BUDGET);

    const error = await guard
      .run("agent", async () => {
        // client.messages.stream() wraps the cut in an AnthropicError; violationOf unwraps it.
        const first = await client.messages
          .stream(ask)
          .finalMessage()
          .catch((e) => e);
        expect(violationOf(first)?.policy).toBe("maxCostUsd");
        await client.messages.create(ask);
      })
      .catch((e: unknown) => e);

    expect(isBudgetExceededError(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  test("with cutStreams off the reply runs to its end and is recorded whole", async () => {
    const server = await start({ respond: [{ content: LONG_REPLY }] });
    const { guard, client } = harness(server, BUDGET, { cutStreams: false });

    const run = await guard.run("agent", async (run) => {
      await client.messages.stream(ask).finalMessage();
      return run;
    });

    expect(run.records()[0]).toMatchObject({ partial: false, usage: { outputTokens: 400 } });
  });

  test("in shadow mode (emit) the stream runs on, and the trip is announced once", async () => {
    const server = await start({ respond: [{ content: LONG_REPLY }] });
    const { guard, client, events } = harness(server, BUDGET, {}, { onViolation: "emit" });

    const run = await guard.run("agent", async (run) => {
      await client.messages.stream(ask).finalMessage();
      return run;
    });

    expect(run.records()[0]).toMatchObject({ partial: false, usage: { outputTokens: 400 } });
    expect(events.trip).toEqual([expect.objectContaining({ error: expect.anything() })]);
    expect(events.trip![0]!.error.policy).toBe("maxCostUsd");
    expect(events.streamCut).toHaveLength(0);
  });
});
