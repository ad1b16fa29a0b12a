import { describe, expect, test } from "vitest";

import { withStep } from "../../src/engine/context.js";
import { isRepeatedToolCallError } from "../../src/engine/errors.js";
import { toolUse, type Responder, type ScriptedTurn } from "../../src/testing/index.js";
import { gatedDelay } from "../testing/helpers.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

/** Holds each call until `width` calls are waiting, so the calls of a round overlap for sure. */
function inLockstep(width: number): Responder {
  let waiting: Array<() => void> = [];
  return async () => {
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === width) waiting.splice(0).forEach((release) => release());
    });
    return { content: "done" } satisfies ScriptedTurn;
  };
}

describe("runs in flight together", () => {
  test("parallel calls of two runs land in their own runs and steps", async () => {
    const server = await start({ respond: inLockstep(2) });
    const { guard, client } = harness(server);

    // Run "a" sends 10-token prompts, run "b" 50-token ones: the prompt says whose a call was.
    const agent = (name: string, tokens: number) =>
      guard.run(name, async (run) => {
        const ask = (step: string) =>
          withStep(step, () =>
            client.messages.create({
              model: MODEL,
              max_tokens: 50,
              messages: [{ role: "user", content: words(tokens, name) }],
            }),
          );
        await ask("search");
        await Promise.resolve();
        await ask("summarize");
        return run;
      });

    const [a, b] = await Promise.all([agent("a", 10), agent("b", 50)]);

    for (const [run, tokens] of [
      [a!, 10],
      [b!, 50],
    ] as const) {
      expect(run.records().map((r) => [r.tags.step, r.usage.inputTokens])).toEqual([
        ["search", tokens],
        ["summarize", tokens],
      ]);
    }
    expect(server.requests).toHaveLength(4);
  });

  test("a stream in flight is cut off when another call of its run stops the run", async () => {
    // The stream's first events pass; the rest wait on the gate until the other call is done.
    const gate = gatedDelay(3);
    const server = await start({
      respond: ({ body }) =>
        body.stream
          ? { content: "x".repeat(400) }
          : { content: [toolUse("fetch", { url: "a" }), toolUse("fetch", { url: "a" })] },
      delay: gate.delay,
    });
    const { guard, client, events } = harness(server, { maxIdenticalToolCalls: 1 });
    const ask = {
      model: MODEL,
      max_tokens: 500,
      messages: [{ role: "user" as const, content: "go" }],
    };

    const run = await guard.run("agent", async (run) => {
      const stream = await client.messages.create({ ...ask, stream: true });
      const error = await (async () => {
        for await (const event of stream) {
          if (event.type !== "content_block_delta") continue;
          // The same tool asked for twice in a row stops the run after this call.
          await client.messages.create(ask);
          gate.release();
        }
      })().catch((e: unknown) => e);

      expect(isRepeatedToolCallError(error)).toBe(true);
      return run;
    });

    expect(run.summary()).toMatchObject({ outcome: "tripped", calls: 2, partial_calls: 1 });
    expect(run.records().find((r) => r.partial)!.usage.outputTokens).toBeLessThan(100);
    expect(events.streamCut).toHaveLength(1);
    // The cut stream's record finds the same pattern: the run was stopped once, and says so once.
    expect(events.trip).toHaveLength(1);
  });
});
