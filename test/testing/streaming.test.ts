import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { overloaded, text, toolUse } from "../../src/testing/index.js";
import {
  MODEL,
  clientFor,
  useMockServer,
  gatedDelay,
  parseSse,
  post,
  responseEnded,
} from "./helpers.js";

const REPLY = "It is sunny and mild in Oslo today.";
const PARAMS = {
  model: MODEL,
  max_tokens: 200,
  messages: [{ role: "user" as const, content: "Weather in Oslo?" }],
};

const start = useMockServer();

describe("streaming", () => {
  test("sends the API's event sequence, with cumulative usage in message_delta", async () => {
    const mock = await start({ respond: [{ content: "abcdefghij" }], chunkChars: 4 });

    const response = await post(mock, "/v1/messages", { ...PARAMS, stream: true });
    const events = parseSse(await response.text());

    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("request-id")).toBe("req_mock_000001");
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.every((e) => e.data.type === e.event)).toBe(true);

    // message_start carries the input side and 1 output token, as the API does.
    const start_ = events[0]!.data.message as Record<string, unknown>;
    expect(start_).toMatchObject({
      model: MODEL,
      id: "msg_mock_000001",
      content: [],
      stop_reason: null,
    });
    expect(start_.usage).toEqual({
      input_tokens: 4,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
      service_tier: "standard",
      inference_geo: "global",
    });

    const deltas = events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta);
    expect(deltas).toEqual([
      { type: "text_delta", text: "abcd" },
      { type: "text_delta", text: "efgh" },
      { type: "text_delta", text: "ij" },
    ]);

    // The final output count, not an increment over message_start's 1.
    expect(events[7]!.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null },
      usage: {
        input_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 3,
      },
    });
  });

  test("streams a tool call as input_json_delta fragments starting with an empty one", async () => {
    const mock = await start({
      respond: [{ content: [toolUse("get_weather", { city: "Oslo" })] }],
      chunkChars: 5,
    });

    const events = parseSse(
      await (await post(mock, "/v1/messages", { ...PARAMS, stream: true })).text(),
    );

    expect(events[1]!.data.content_block).toEqual({
      type: "tool_use",
      id: "toolu_mock_000001",
      name: "get_weather",
      input: {},
      caller: { type: "direct" },
    });
    const fragments = events
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data.delta as { partial_json: string }).partial_json);
    expect(fragments).toEqual(["", '{"cit', 'y":"O', 'slo"}']);
    expect(events.at(-2)!.data.delta).toMatchObject({ stop_reason: "tool_use" });
  });

  test("client.messages.stream() yields the right final message and usage", async () => {
    const mock = await start({
      respond: [{ content: [text(REPLY), toolUse("get_weather", { city: "Oslo" })] }],
    });
    const client = clientFor(mock);

    const stream = client.messages.stream(PARAMS);
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(REPLY);
    expect(message.content).toEqual([
      { type: "text", text: REPLY },
      {
        type: "tool_use",
        id: "toolu_mock_000001",
        name: "get_weather",
        input: { city: "Oslo" },
        caller: { type: "direct" },
      },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    // "Weather in Oslo?" is 4 tokens; the reply 9 + 7.
    expect(message.usage).toMatchObject({ input_tokens: 4, output_tokens: 16 });
  });

  test("create({ stream: true }) yields the same events to a raw iterator", async () => {
    const mock = await start({ respond: [{ content: REPLY }] });
    const client = clientFor(mock);

    const stream = await client.messages.create({ ...PARAMS, stream: true });
    let final = { output: 0, stop: "" };
    let streamed = "";
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
        streamed += event.delta.text;
      }
      if (event.type === "message_delta") {
        final = { output: event.usage.output_tokens, stop: event.delta.stop_reason ?? "" };
      }
    }

    expect(streamed).toBe(REPLY);
    expect(final).toEqual({ output: 9, stop: "end_turn" });
  });

  test("a client can cut a stream off part-way, and the log says so", async () => {
    // Three waits pass, then the server holds: the stream is open and unfinished.
    const gate = gatedDelay(3);
    const mock = await start({
      respond: [{ content: REPLY.repeat(4) }],
      delay: gate.delay,
      chunkChars: 8,
    });
    const client = clientFor(mock);

    const stream = client.messages.stream(PARAMS);
    const outcome = stream.finalMessage().catch((thrown: unknown) => thrown);
    await new Promise((resolve) => stream.once("text", resolve));
    stream.abort();

    const entry = await responseEnded(mock, 0);
    gate.release();
    await mock.settled();

    expect(entry.outcome).toBe("aborted");
    expect(entry.status).toBe(200);
    expect(await outcome).toBeInstanceOf(Anthropic.APIUserAbortError);
  });

  test("an interrupt with an error sends the API's SSE error event", async () => {
    const mock = await start({
      respond: [{ content: REPLY, interrupt: { afterEvents: 3, error: overloaded() } }],
    });
    const client = clientFor(mock);

    const stream = client.messages.stream(PARAMS);
    const error = await stream.finalMessage().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe("overloaded_error");
    const entry = await responseEnded(mock, 0);
    expect(entry).toMatchObject({ outcome: "complete", status: 200, error: "Overloaded" });
  });

  test("an interrupt without an error drops the connection mid-stream", async () => {
    const mock = await start({ respond: [{ content: REPLY, interrupt: { afterEvents: 4 } }] });
    const client = clientFor(mock);

    const stream = client.messages.stream(PARAMS);
    const error = await stream.finalMessage().catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Error);
    expect((await responseEnded(mock, 0)).outcome).toBe("aborted");
  });
});
