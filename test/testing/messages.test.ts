import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, test } from "vitest";

import { isInvalidInputError } from "../../src/errors.js";
import {
  type MockAnthropicOptions,
  type MockAnthropicServer,
  type ScriptedCall,
  startMockAnthropic,
  text,
  toolUse,
} from "../../src/testing/index.js";
import { MODEL, clientFor, errorJson, post } from "./helpers.js";

const WEATHER_TOOL = {
  name: "get_weather",
  description: "Get the weather for a city.",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

let server: MockAnthropicServer;

async function start(options: MockAnthropicOptions): Promise<MockAnthropicServer> {
  server = await startMockAnthropic(options);
  return server;
}

afterEach(async () => {
  await server?.close();
});

describe("POST /v1/messages", () => {
  test("answers with the scripted reply and usage computed from the request", async () => {
    await start({ respond: [{ content: "Four." }] });
    const client = clientFor(server);

    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: "You are terse.",
      messages: [{ role: "user", content: "What is 2+2?" }],
    });

    // 14 + 12 characters of prompt are 4 + 3 tokens; "Four." is 2.
    expect(message).toEqual({
      model: MODEL,
      id: "msg_mock_000001",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Four." }],
      stop_reason: "end_turn",
      stop_sequence: null,
      stop_details: null,
      usage: {
        input_tokens: 7,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: 2,
        service_tier: "standard",
        inference_geo: "global",
      },
    });
    expect(message._request_id).toBe("req_mock_000001");
  });

  test("gives the script the parsed request and the turn, and logs each call", async () => {
    const calls: ScriptedCall[] = [];
    await start({
      respond: (call) => {
        calls.push(call);
        return { content: `turn ${call.turn}` };
      },
    });
    const client = clientFor(server);
    const params = {
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: "user" as const, content: "Hi" }],
    };

    await client.messages.create(params);
    const second = await client.messages.create(params);

    expect(second.content).toEqual([{ type: "text", text: "turn 1" }]);
    expect(calls.map((call) => call.turn)).toEqual([0, 1]);
    expect(calls[0]!.body).toEqual(params);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]).toMatchObject({
      index: 0,
      method: "POST",
      path: "/v1/messages",
      query: "",
      body: params,
      turn: 0,
      status: 200,
      outcome: "complete",
    });
  });

  test("never records a credential", async () => {
    await start({ respond: [{ content: "ok" }] });
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "sk-test-secret",
      defaultHeaders: { "x-api-key": "sk-other-secret" },
      maxRetries: 0,
    });

    await client.messages.create({
      model: MODEL,
      max_tokens: 5,
      messages: [{ role: "user", content: "Hi" }],
    });

    const { headers } = server.requests[0]!;
    expect(headers.authorization).toBe("[redacted]");
    expect(headers["x-api-key"]).toBe("[redacted]");
    expect(JSON.stringify(server.requests)).not.toContain("secret");
  });

  test("returns tool calls with deterministic ids and stop_reason tool_use", async () => {
    await start({
      respond: [{ content: [text("Checking."), toolUse("get_weather", { city: "Oslo" })] }],
    });
    const client = clientFor(server);

    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: [WEATHER_TOOL],
      messages: [{ role: "user", content: "Weather in Oslo?" }],
    });

    expect(message.stop_reason).toBe("tool_use");
    expect(message.content[1]).toMatchObject({
      type: "tool_use",
      id: "toolu_mock_000001",
      name: "get_weather",
      input: { city: "Oslo" },
    });
    // The tool is 159 characters of JSON (40 tokens), the question 4; the reply is "Checking."
    // (3) plus "get_weather" and its input, 26 characters (7).
    expect(message.usage.input_tokens).toBe(44);
    expect(message.usage.output_tokens).toBe(10);
  });

  test("reports an explicit output token count and stop reason as scripted", async () => {
    await start({ respond: [{ content: "cut", outputTokens: 4096, stopReason: "max_tokens" }] });
    const client = clientFor(server);

    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 4096,
      messages: [{ role: "user", content: "Write a novel." }],
    });

    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(4096);
  });

  test("answers a malformed request with 400 invalid_request_error, as the API does", async () => {
    await start({ respond: [] });

    const response = await post(server, "/v1/messages", { model: MODEL, messages: "Hi" });

    expect(response.status).toBe(400);
    expect(response.headers.get("request-id")).toBe("req_mock_000001");
    const body = await errorJson(response);
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("messages:");
    expect(body.error.message).toContain("max_tokens:");
    expect(server.requests[0]!.turn).toBeUndefined();
  });

  test("answers an unknown route with 404 not_found_error", async () => {
    await start({ respond: [] });

    const response = await post(server, "/v1/complete", {});

    expect(response.status).toBe(404);
    expect((await errorJson(response)).error).toEqual({
      type: "not_found_error",
      message: "Not found: POST /v1/complete",
    });
  });
});

describe("POST /v1/messages/count_tokens", () => {
  test("counts the same input tokens that a call would be billed", async () => {
    await start({ respond: [{ content: "ok" }] });
    const client = clientFor(server);
    const prompt = {
      model: MODEL,
      system: "You are terse.",
      tools: [WEATHER_TOOL],
      messages: [{ role: "user" as const, content: "What is 2+2?" }],
    };

    const counted = await client.messages.countTokens(prompt);
    const message = await client.messages.create({ ...prompt, max_tokens: 10 });

    expect(counted).toEqual({ input_tokens: 47 });
    expect(message.usage.input_tokens).toBe(47);
  });
});

describe("startMockAnthropic", () => {
  test("reports every bad option, each with its name, in one error", async () => {
    const bad = { respond: 5, port: -1, chunkChars: 0 } as unknown as MockAnthropicOptions;

    const error = await startMockAnthropic(bad).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(isInvalidInputError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain("respond:");
    expect(message).toContain("port:");
    expect(message).toContain("chunkChars:");
  });

  test("checks a list of turns at start, naming the turn and field at fault", async () => {
    const turns = [{ content: "ok" }, { content: [{ type: "tool_use", name: "", input: {} }] }];

    const error = await startMockAnthropic({ respond: turns as never }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(isInvalidInputError(error)).toBe(true);
    expect((error as Error).message).toContain("respond.1.content.0.name:");
  });
});
