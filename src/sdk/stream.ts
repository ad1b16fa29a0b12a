import type { ToolUse } from "../record/record.js";

// Output is counted while it streams at the local estimate's rate; the API's count wins.
import { CHARS_PER_TOKEN } from "./estimate.js";

/** Characters around a text delta's text in its JSON: `{"type":"content_block_delta",...}`. */
const ENVELOPE: Record<string, number> = { text_delta: 80, thinking_delta: 88 };
const MEASURED = /"type":"(text_delta|thinking_delta)"/;
const INDEX = /"index":\s*(\d+)/;
const BOUNDARY = /\r\n\r\n|\n\n|\r\r/g;
/** Events that say nothing about usage, tool calls or the end: never parsed. */
const IGNORED = new Set(["ping", "content_block_stop"]);

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
  private messageId: string | undefined;
  private sawStop = false;
  private streamError: string | undefined;
  private failure: unknown;

  private start: RawUsage | undefined;
  private last: RawUsage | undefined;
  private outputChars = 0;
  private readonly tools = new Map<number, OpenTool>();
  private readonly decoder = new TextDecoder();
  private buffer = "";
  /**
   * Bytes that came after `message_start`, not read yet. They are read when something asks what
   * they hold, usually once when the stream ends: reading each chunk as it passed cost more than
   * the rest of the guard's work for the call.
   */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  /** True once `message_start` has arrived: the API has taken the prompt. */
  get started(): boolean {
    return this.start !== undefined;
  }

  /** The message id from `message_start`. */
  get id(): string | undefined {
    return this.messageId;
  }

  /** True once `message_stop` has arrived: the reply is complete. */
  get stopped(): boolean {
    this.catchUp();
    return this.sawStop;
  }

  /** The message of an SSE `error` event, when the API sent one mid-stream. */
  get error(): string | undefined {
    this.catchUp();
    return this.streamError;
  }

  /** Why reading the events failed, if it did; the bytes still pass through to the client. */
  get readFailure(): unknown {
    this.catchUp();
    return this.failure;
  }

  /** Feeds the next bytes of the body. Never throws. */
  push(chunk: ArrayBufferView | ArrayBuffer | string): void {
    if (this.failure !== undefined) return;
    const bytes = asBytes(chunk);
    if (bytes === undefined) {
      this.failure = new TypeError(`a stream chunk is not bytes: ${typeof chunk}`);
      return;
    }

    // Until message_start, events are read as they come: a stream is metered from it.
    if (this.start === undefined) return this.read(bytes);
    // A copy: the consumer owns the chunk it read, and may reuse, clear or transfer it.
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.byteLength;
  }

  /** The body ended: reads a last event not followed by a blank line. Never throws. */
  end(): void {
    this.catchUp();
    if (this.failure !== undefined) return;

    try {
      this.buffer += this.decoder.decode();
      if (this.buffer.trim() !== "") this.readEvent(this.buffer);
    } catch (error) {
      this.failure = error;
    }
    this.buffer = "";
  }

  /**
   * The `usage` of `message_start`, as the API sent it (not a copy): the prompt side of the
   * reply. Undefined before `message_start`.
   */
  promptUsage(): Readonly<RawUsage> | undefined {
    return this.start;
  }

  /**
   * The usage so far: `message_start`'s, overwritten by the last `message_delta`'s values. Before
   * the final delta, the output is what has been counted off the stream (at least the 1 that
   * `message_start` reports). Undefined before `message_start`.
   */
  usage(): RawUsage | undefined {
    this.catchUp();
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
    this.catchUp();
    return Math.ceil(this.outputChars / CHARS_PER_TOKEN);
  }

  /**
   * At least as many output tokens as `outputSoFar()` would count, without reading what is
   * pending: as if every byte not read yet were text. Costs nothing, so it can be asked per chunk.
   */
  outputBound(): number {
    return Math.ceil((this.outputChars + this.pendingBytes) / CHARS_PER_TOKEN);
  }

  /** The tool calls the reply has asked for so far, with inputs parsed where complete. */
  toolUses(): ToolUse[] {
    this.catchUp();
    return [...this.tools.values()].map((tool) => ({ name: tool.name, input: parseInput(tool) }));
  }

  /** Reads the bytes pending, in the order they came. */
  private catchUp(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;

    try {
      // One decode for all: each call into the decoder costs more than the bytes it reads.
      this.read(chunks.length === 1 ? chunks[0]! : concat(chunks));
    } catch (error) {
      this.failure = error;
    }
  }

  /** Reads the complete events in these bytes at once. Never throws. */
  private read(bytes: Uint8Array): void {
    if (this.failure !== undefined) return;

    try {
      const buffer = this.buffer + this.decoder.decode(bytes, { stream: true });
      let from = 0;
      let end = nextBoundary(buffer, from);
      while (end !== undefined) {
        this.readEvent(buffer.slice(from, end.at));
        from = end.at + end.length;
        end = nextBoundary(buffer, from);
      }
      this.buffer = from === 0 ? buffer : buffer.slice(from);
    } catch (error) {
      // A reply the reader cannot follow is reported, never thrown into the agent's stream.
      this.failure = error;
      this.buffer = "";
    }
  }

  private readEvent(text: string): void {
    const { name, data } = fields(text);
    if (data === "" || IGNORED.has(name)) return;
    if (name === "message_stop") {
      this.sawStop = true;
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

    // Only a tool call's block is of use; the others are not parsed.
    if (name === "content_block_start" && !data.includes('"tool_use"')) return;

    const event = JSON.parse(data) as Record<string, any>;
    switch (name || event.type) {
      case "message_start":
        this.messageId = event.message?.id;
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
        this.sawStop = true;
        break;
      case "error":
        this.streamError = String(event.error?.message ?? "stream error");
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

/**
 * The blank line that ends the event starting at `from`. The API ends lines with `\n`; `\r\n`
 * and `\r`, which SSE allows too, are looked for only in a buffer that has a `\r`.
 */
function nextBoundary(buffer: string, from: number): { at: number; length: number } | undefined {
  if (buffer.indexOf("\r", from) === -1) {
    const at = buffer.indexOf("\n\n", from);
    return at === -1 ? undefined : { at, length: 2 };
  }
  BOUNDARY.lastIndex = from;
  const match = BOUNDARY.exec(buffer);
  return match ? { at: match.index, length: match[0].length } : undefined;
}

/**
 * An event's name and data. The API sends each event as `event: NAME` then one `data:` line,
 * which is read without splitting; any other layout SSE allows is read line by line.
 */
function fields(text: string): { name: string; data: string } {
  const newline = text.indexOf("\n");
  if (
    newline !== -1 &&
    text.startsWith("event:") &&
    text.startsWith("data:", newline + 1) &&
    text.indexOf("\n", newline + 1) === -1 &&
    text.indexOf("\r") === -1
  ) {
    return { name: text.slice(6, newline).trim(), data: text.slice(newline + 6).trimStart() };
  }

  let name = "";
  let data = "";
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).trimStart();
  }
  return { name, data };
}

const encoder = new TextEncoder();

/** A chunk as bytes: a fetch body yields `Uint8Array`s, a custom `fetch` may yield others. */
function asBytes(chunk: unknown): Uint8Array | undefined {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  return undefined;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
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
