import { describe, expect, test } from "vitest";

import { StreamUsageReader } from "../../src/sdk/stream.js";

const sse = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

// A reply as the API streams it: a thinking block (whose signature is not output to count), a
// text block and a tool call, then the final usage.
const BODY = [
  sse("message_start", {
    type: "message_start",
    message: {
      id: "msg_1",
      usage: {
        input_tokens: 10,
        cache_read_input_tokens: 500,
        cache_creation_input_tokens: 40,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 40 },
        output_tokens: 1,
      },
    },
  }),
  sse("content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "thinking" },
  }),
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "thinking_delta", thinking: "héllo wörld" },
  }),
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 0,
    delta: { type: "signature_delta", signature: "x".repeat(400) },
  }),
  sse("ping", { type: "ping" }),
  sse("content_block_start", {
    type: "content_block_start",
    index: 1,
    content_block: { type: "text", text: "" },
  }),
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 1,
    delta: { type: "text_delta", text: "0123456789ab" },
  }),
  sse("content_block_start", {
    type: "content_block_start",
    index: 2,
    content_block: { type: "tool_use", name: "fetch_source", input: {} },
  }),
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 2,
    delta: { type: "input_json_delta", partial_json: '{"id"' },
  }),
  sse("content_block_delta", {
    type: "content_block_delta",
    index: 2,
    delta: { type: "input_json_delta", partial_json: ": 2}" },
  }),
  sse("message_delta", {
    type: "message_delta",
    delta: { stop_reason: "tool_use" },
    usage: {
      input_tokens: 10,
      cache_read_input_tokens: 500,
      cache_creation_input_tokens: 40,
      output_tokens: 15,
    },
  }),
  sse("message_stop", { type: "message_stop" }),
].join("");

function readInPieces(body: string, size: number, crlf = false): StreamUsageReader {
  const bytes = new TextEncoder().encode(crlf ? body.replaceAll("\n", "\r\n") : body);
  const reader = new StreamUsageReader();
  for (let at = 0; at < bytes.length; at += size) reader.push(bytes.subarray(at, at + size));
  reader.end();
  return reader;
}

describe("the stream usage reader", () => {
  test.each([1, 3, 7, 64, 100_000])("reads the same usage from chunks of %i bytes", (size) => {
    for (const crlf of [false, true]) {
      const reader = readInPieces(BODY, size, crlf);

      // Output from message_delta; the cache breakdown from message_start.
      expect(reader.usage()).toMatchObject({
        input_tokens: 10,
        output_tokens: 15,
        cache_creation: { ephemeral_1h_input_tokens: 40 },
      });
      expect(reader.toolUses()).toEqual([{ name: "fetch_source", input: { id: 2 } }]);
      expect(reader).toMatchObject({ id: "msg_1", stopped: true, readFailure: undefined });
    }
  });

  test("counts output off the stream until message_delta says", () => {
    const head = BODY.slice(0, BODY.indexOf("event: message_delta"));
    const reader = readInPieces(head, 5);

    // 11 characters of thinking, 12 of text, the tool's name (12) and 9 of its input, 4 a token;
    // the thinking signature does not count.
    expect(reader.usage()!.output_tokens).toBe(Math.ceil((11 + 12 + 12 + 9) / 4));
    expect(reader.stopped).toBe(false);
  });

  test("a body it cannot read is reported, not thrown", () => {
    const reader = new StreamUsageReader();
    reader.push(new TextEncoder().encode("event: message_start\ndata: {not json\n\n"));

    expect(reader.readFailure).toBeInstanceOf(SyntaxError);
    expect(reader.usage()).toBeUndefined();
  });

  test("reads events in any layout SSE allows, not only the API's own", () => {
    // Data-only events, data split over lines, comments, CR line ends, and a server tool's
    // block (not a tool call of the agent's).
    const body = [
      'data: {"type":"message_start","message":{"id":"msg_2","usage":{"input_tokens":7,',
      'data: "output_tokens":1}}}',
      "",
      ": a comment line",
      "event: content_block_start",
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use",' +
        '"name":"web_search","input":{}}}',
      "",
      "event: content_block_start\r" +
        'data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use",' +
        '"name":"fetch_source","input":{"id":4}}}\r\r',
      'data: {"type":"message_delta","usage":{"output_tokens":9}}',
      "",
      'data: {"type":"message_stop"}',
      "",
      "",
    ].join("\n");

    for (const size of [1, 5, 1_000]) {
      const reader = readInPieces(body, size);
      expect(reader.usage()).toMatchObject({ input_tokens: 7, output_tokens: 9 });
      expect(reader.toolUses()).toEqual([{ name: "fetch_source", input: { id: 4 } }]);
      expect(reader).toMatchObject({ id: "msg_2", stopped: true, readFailure: undefined });
    }
  });
});
