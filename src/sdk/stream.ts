import type { ToolUse } from "../record/record.js";

/** Characters per output token for counting a reply while it streams (the API's count wins). */
const CHARS_PER_TOKEN = 4;

/** The JSON around a text delta's text: `{"type":"content_block_delta","index":0,...,"text":""}}`. */
const ENVELOPE = 80;
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
    if (name === "message_stop") return void (this.stopped = true);

    // Text deltas are most of a stream and only their length matters here: they are measured,
    // not parsed. Others are parsed: a tool call's input is recorded, and a thinking block's
    // signature is not output to count.
    if (name === "content_block_delta" && MEASURED.test(data)) {
      const index = Number(INDEX.exec(data)?.[1]);
      if (!this.tools.has(index)) {
        this.outputChars += Math.max(0, data.length - ENVELOPE);
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

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    // The guard's own failure never breaks the agent's stream; the reply goes on uncut.
    return undefined;
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

/** How a tapped stream ended. */
export interface StreamEnd {
  /**
   * `complete`: the body ended. `cut`: `check` cut it off. `failed`: reading it failed (network,
   * abort). `cancelled`: the consumer stopped reading.
   */
  kind: "complete" | "cut" | "failed" | "cancelled";
  error?: unknown;
}

export interface TapHandlers {
  /** Called after each chunk is read; an error returned cuts the stream off with that error. */
  check(reader: StreamUsageReader): Error | undefined;
  /** Called once when the stream ends, however it ends, before the consumer sees the end. */
  finish(reader: StreamUsageReader, end: StreamEnd): Promise<void>;
}

/**
 * Passes a response body through unchanged while reading its SSE events, so usage is read in the
 * same pass as the client reads the reply (no second copy of the body is buffered). Cutting off
 * cancels the upstream body, which closes the connection so the API stops generating, and fails
 * the client's read with the cut's error.
 */
export function tapStream(
  body: ReadableStream<Uint8Array>,
  reader: StreamUsageReader,
  handlers: TapHandlers,
): ReadableStream<Uint8Array> {
  const source = body.getReader();
  let ended = false;
  const finish = async (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    await handlers.finish(reader, end).catch(() => undefined);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof source.read>>;
      try {
        chunk = await source.read();
      } catch (error) {
        await finish({ kind: "failed", error });
        return controller.error(error);
      }

      if (chunk.done) {
        reader.end();
        await finish({ kind: "complete" });
        return controller.close();
      }

      reader.push(chunk.value);
      const cut = safely(() => handlers.check(reader));
      if (cut) {
        source.cancel(cut).catch(() => undefined);
        await finish({ kind: "cut", error: cut });
        return controller.error(cut);
      }
      controller.enqueue(chunk.value);
    },

    async cancel(reason) {
      await source.cancel(reason).catch(() => undefined);
      await finish({ kind: "cancelled", error: reason });
    },
  });
}
