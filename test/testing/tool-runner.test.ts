import { betaZodTool } from "@anthropic-ai/sdk/helpers/beta/zod";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";

import {
  type MockAnthropicServer,
  type Responder,
  type ScriptedCall,
  startMockAnthropic,
  text,
  toolUse,
} from "../../src/testing/index.js";
import { MODEL, clientFor } from "./helpers.js";

let server: MockAnthropicServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A weather agent's model: call the tool once, then answer from its result. */
function weatherModel(calls: ScriptedCall[]): Responder {
  return (call) => {
    calls.push(call);
    const last = call.body.messages.at(-1)!;
    const result = Array.isArray(last.content)
      ? last.content.find((block) => block.type === "tool_result")
      : undefined;
    if (!result)
      return { content: [text("Let me check."), toolUse("get_weather", { city: "Oslo" })] };
    return { content: `The tool says: ${String(result.content)}` };
  };
}

function weatherTool(seen: unknown[]) {
  return betaZodTool({
    name: "get_weather",
    description: "Get the weather for a city.",
    inputSchema: z.object({ city: z.string() }),
    run: (input) => {
      seen.push(input);
      return `Sunny in ${input.city}`;
    },
  });
}

describe("client.beta.messages.toolRunner", () => {
  test("runs a tool round trip over a server-held thread", async () => {
    const calls: ScriptedCall[] = [];
    const seen: unknown[] = [];
    server = await startMockAnthropic({ respond: weatherModel(calls) });
    const client = clientFor(server);

    const final = await client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [weatherTool(seen)],
    });

    expect(seen).toEqual([{ city: "Oslo" }]);
    expect(final.content).toEqual([{ type: "text", text: "The tool says: Sunny in Oslo" }]);

    // The second request sends only the tool result; the mock rebuilt the whole conversation.
    const [first, second] = server.requests;
    expect(first).toMatchObject({ path: "/v1/messages", body: { thread: { type: "create" } } });
    expect(first!.headers["anthropic-beta"]).toContain("message-threads-");
    expect(second!.body).toMatchObject({
      thread: { type: "continue", previous_message_id: "msg_mock_000001" },
    });
    expect((second!.body as { messages: unknown[] }).messages).toHaveLength(1);
    expect(calls[1]!.body.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(calls[1]!.body.tools?.map((tool) => tool.name)).toEqual(["get_weather"]);
  });

  test("bills the threaded history as input, the same as an unthreaded loop", async () => {
    const usages: Record<string, number[]> = {};

    for (const thread of [undefined, false] as const) {
      server = await startMockAnthropic({ respond: weatherModel([]) });
      const runner = clientFor(server).beta.messages.toolRunner({
        model: MODEL,
        max_tokens: 200,
        messages: [{ role: "user", content: "Weather in Oslo?" }],
        tools: [weatherTool([])],
        ...(thread === false ? { thread } : {}),
      });
      const inputs: number[] = [];
      for await (const message of runner) inputs.push(message.usage.input_tokens);
      usages[String(thread)] = inputs;
      await server.close();
    }

    expect(usages["undefined"]).toEqual(usages["false"]);
    expect(usages["false"]![1]).toBeGreaterThan(usages["false"]![0]!);
  });

  test("streams each turn when asked", async () => {
    server = await startMockAnthropic({ respond: weatherModel([]) });
    const runner = clientFor(server).beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools: [weatherTool([])],
      stream: true,
    });

    const stops: Array<string | null> = [];
    for await (const stream of runner) stops.push((await stream.finalMessage()).stop_reason);

    expect(stops).toEqual(["tool_use", "end_turn"]);
    expect(server.requests.every((r) => (r.body as { stream?: boolean }).stream === true)).toBe(
      true,
    );
  });
});

describe("threads", () => {
  test("continuing an unknown message answers 404 thread_not_found, as the API does", async () => {
    server = await startMockAnthropic({ respond: [] });

    const call = clientFor(server).beta.messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: "user", content: "Hi" }],
      thread: { type: "continue", previous_message_id: "msg_unknown" },
    });

    await expect(call).rejects.toMatchObject({ status: 404, errorCode: "thread_not_found" });
  });
});
