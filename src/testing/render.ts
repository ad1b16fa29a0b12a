import type { InputUsage } from "./cache.js";
import type { ScriptedReply, StopReason } from "./script.js";
import { countOutputTokens } from "./tokens.js";

// Type aliases rather than interfaces: a reply's blocks go back into requests (threads), whose
// block type has an index signature that only aliases satisfy.
export type TextContent = {
  type: "text";
  text: string;
};

export type ToolUseContent = {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
  caller: { type: "direct" };
};

export type ReplyContent = TextContent | ToolUseContent;

export interface MockUsage extends InputUsage {
  output_tokens: number;
  service_tier: string;
  inference_geo: string;
}

/** A Messages API response body, fields in the order the API sends them. */
export interface MockMessage {
  model: string;
  id: string;
  type: "message";
  role: "assistant";
  content: ReplyContent[];
  stop_reason: StopReason;
  stop_sequence: null;
  stop_details: null;
  usage: MockUsage;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Turns a scripted reply into content blocks, naming each tool call with `nextToolId`. */
export function replyContent(reply: ScriptedReply, nextToolId: () => string): ReplyContent[] {
  if (typeof reply.content === "string") return [{ type: "text", text: reply.content }];
  return reply.content.map((block) =>
    block.type === "text"
      ? { type: "text", text: block.text }
      : {
          type: "tool_use",
          id: block.id ?? nextToolId(),
          name: block.name,
          input: block.input,
          caller: { type: "direct" },
        },
  );
}

export function buildMessage(fields: {
  id: string;
  model: string;
  reply: ScriptedReply;
  content: ReplyContent[];
  input: InputUsage;
  serviceTier: string;
  inferenceGeo: string;
}): MockMessage {
  const { reply, content } = fields;
  const callsTool = content.some((block) => block.type === "tool_use");
  return {
    model: fields.model,
    id: fields.id,
    type: "message",
    role: "assistant",
    content,
    stop_reason: reply.stopReason ?? (callsTool ? "tool_use" : "end_turn"),
    stop_sequence: null,
    stop_details: null,
    usage: {
      ...fields.input,
      output_tokens: reply.outputTokens ?? countOutputTokens(content),
      service_tier: fields.serviceTier,
      inference_geo: fields.inferenceGeo,
    },
  };
}

/**
 * The SSE events of a streamed reply, in the API's order: `message_start` (usage with
 * `output_tokens: 1`), each block as `content_block_start`, deltas of at most `chunkChars`
 * characters, `content_block_stop`, a `ping` after the first block starts, then `message_delta`
 * with the stop reason and the cumulative usage, and `message_stop`.
 */
export function streamEvents(message: MockMessage, chunkChars: number): SseEvent[] {
  const { usage } = message;
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    usage: { ...usage, output_tokens: 1 },
  };
  const events: SseEvent[] = [event("message_start", { message: start })];

  message.content.forEach((block, index) => {
    const opening = block.type === "text" ? { ...block, text: "" } : { ...block, input: {} };
    events.push(event("content_block_start", { index, content_block: opening }));
    if (index === 0) events.push(event("ping", {}));

    // A tool call's input starts with an empty fragment, as the API streams it.
    const deltas =
      block.type === "text"
        ? chunks(block.text, chunkChars).map((text) => ({ type: "text_delta", text }))
        : ["", ...chunks(JSON.stringify(block.input), chunkChars)].map((partial_json) => ({
            type: "input_json_delta",
            partial_json,
          }));
    for (const delta of deltas) events.push(event("content_block_delta", { index, delta }));

    events.push(event("content_block_stop", { index }));
  });
  if (message.content.length === 0) events.push(event("ping", {}));

  // The delta's usage is the whole message's, not an increment: clients overwrite, never add.
  events.push(
    event("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: null, stop_details: null },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
      },
    }),
  );
  events.push(event("message_stop", {}));
  return events;
}

export function formatSse({ event, data }: SseEvent): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function event(name: string, fields: object): SseEvent {
  return { event: name, data: { type: name, ...fields } };
}

// Cut by code points, so no delta ends in half a surrogate pair.
function chunks(value: string, size: number): string[] {
  const points = Array.from(value);
  const parts: string[] = [];
  for (let at = 0; at < points.length; at += size) parts.push(points.slice(at, at + size).join(""));
  return parts;
}
