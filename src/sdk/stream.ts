import type { ToolUse } from "../record/record.js";

/** Characters per output token for counting a reply while it streams (the API's count wins). */
const CHARS_PER_TOKEN = 4;

/** Characters around a text delta's text in its JSON: `{"type":"content_block_delta",...}`. */
const ENVELOPE: Record<string, number> = { text_delta: 80, thinking_delta: 88 };
const MEASURED = /"type":"(text_delta|thinking_delta)"/;
const INDEX = /"index":\s*(\d+)/;

type RawUsage = Record<string, unknown>;

interface OpenTool {
  name: string;
  json: string;
  input: unknown;
}

/**
 * Reads the usage of a streamed Messages reply from its SSE events as they pass. `message_start`
 * carries the input side (and an output of 1); `message_delta` carries the whole message's usage
 * so far, so the last one is the truth: values are taken, never added. The cache breakdown
 * (`cache_creation`) only comes in `message_start` and is kept from there.
 */
export class StreamUsageReader {
  /** The message id from `message_start`. */
  id: string | undefined;
  /** True once `message_stop` has arrived: the reply is complete. */
  stopped = false;
  /** The message of an SSE `error` event, when the API sent one mid-stream. */
  error: string | undefined;
  /** Why reading the events failed, if it did; the bytes still pass through to the client. */
  readFailure: unknown;

  private start: RawUsage | undefined;
  private last: RawUsage | undefined;
  private outputChars = 0;
  private readonly tools = new Map<number, OpenTool>();
  private readonly decoder = new TextDecoder();
  private buffer = "";

  /** True once `message_start` has arrived: the API has taken the prompt. */
  get started(): boolean {
    return this.start !== undefined;
  }

  /** Feeds the next bytes of the body; complete events are read at once. Never throws. */
  push(bytes: Uint8Array): void {
    if (this.readFailure !== undefined) return;

    try {
      this.buffer += this.decoder.decode(bytes, { stream: true });
      let end = nextBoundary(this.buffer);
      while (end !== undefined) {
        this.readEvent(this.buffer.slice(0, end.at));
        this.buffer = this.buffer.slice(end.at + end.length);
        end = nextBoundary(this.buffer);
      }
    } catch (error) {
      // A reply the reader cannot follow is reported, never thrown into the agent's stream.
      this.readFailure = error;
      this.buffer = "";
    }
  }

  /** The body ended: reads a last event not followed by a blank line. Never throws. */
  end(): void {
    if (this.readFailure !== undefined) return;

    try {
      this.buffer += this.decoder.decode();
      if (this.buffer.trim() !== "") this.readEvent(this.buffer);
    } catch (error) {
      this.readFailure = error;
    }
    this.buffer = "";
  }

  /**
   * The usage so far: `message_start`'s, overwritten by the last `message_delta`'s values. Before
   * the final delta, the output is what has been counted off the stream (at least the 1 that
   * `message_start` reports). Undefined before `message_start`.
   */
  usage(): RawUsage | undefined {
    if (!this.start) return undefined;
    const usage: RawUsage = { ...this.start };

    if (this.last) {
      for (const [key, value] of Object.entries(this.last)) {
        if (value !== null && value !== undefined) usage[key] = value;
      }
      return usage;
    }
    const reported = typeof usage.output_tokens === "number" ? usage.output_tokens : 0;
    usage.output_tokens = Math.max(reported, this.outputSoFar());
    return usage;
  }

  /** Output tokens counted off the stream so far (an estimate until the final delta). */
  outputSoFar(): number {
    return Math.ceil(this.outputChars / CHARS_PER_TOKEN);
  }

  /** The tool calls the reply has asked for so far, with inputs parsed where complete. */
  toolUses(): ToolUse[] {
    return [...this.tools.values()].map((tool) => ({ name: tool.name, input: parseInput(tool) }));
  }

  private readEvent(text: string): void {
    let name = "";
    let data = "";
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).trimStart();
    }
    if (data === "" || name === "ping") return;
    if (name === "message_stop") {
      this.stopped = true;
      return;
    }

    // Text deltas are most of a stream and only their length matters here: they are measured,
    // not parsed. Others are parsed: a tool call's input is recorded, and a thinking block's
    // signature is not output to count.
    const measured = name === "content_block_delta" ? MEASURED.exec(data) : null;
    if (measured) {
      const index = Number(INDEX.exec(data)?.[1]);
      if (!this.tools.has(index)) {
        this.outputChars += Math.max(0, data.length - ENVELOPE[measured[1]!]!);
        return;
      }
    }

    const event = JSON.parse(data) as Record<string, any>;
    switch (name || event.type) {
      case "message_start":
        this.id = event.message?.id;
        this.start = { ...event.message?.usage };
        break;
      case "content_block_start":
        this.openBlock(event.index, event.content_block);
        break;
      case "content_block_delta":
        this.readDelta(event.index, event.delta);
        break;
      case "message_delta":
        if (event.usage) this.last = event.usage;
        break;
      case "message_stop":
        this.stopped = true;
        break;
      case "error":
        this.error = String(event.error?.message ?? "stream error");
        break;
    }
  }

  private openBlock(index: number, block: Record<string, any> | undefined): void {
    if (block?.type !== "tool_use") return;
    const name = String(block.name ?? "");
    this.outputChars += name.length;
    this.tools.set(index, { name, json: "", input: block.input });
  }

  private readDelta(index: number, delta: Record<string, any> | undefined): void {
    const piece: unknown =
      delta?.text ?? delta?.partial_json ?? delta?.thinking ?? delta?.citation?.cited_text ?? "";
    if (typeof piece !== "string") return;
    this.outputChars += piece.length;

    if (delta?.type === "input_json_delta") {
      const tool = this.tools.get(index);
      if (tool) tool.json += piece;
    }
  }
}

function nextBoundary(buffer: string): { at: number; length: number } | undefined {
  const match = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
  return match ? { at: match.index, length: match[0].length } : undefined;
}

function parseInput(tool: OpenTool): unknown {
  if (tool.json === "") return tool.input ?? {};
  try {
    return JSON.parse(tool.json);
  } catch {
    // A tool call cut off mid-input: its text is all there is.
    return tool.json;
  }
}
