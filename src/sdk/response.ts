import type { ToolUse } from "../record/record.js";

/** What a completed (non-streamed) Messages reply tells the guard. */
export interface ReplyUsage {
  /** The API's `usage` object, as returned. */
  usage: Record<string, unknown>;
  toolUses: ToolUse[];
  id?: string;
}

/** Reads usage and tool calls from a Messages response body; throws when it has no usage. */
export function readReply(body: unknown): ReplyUsage {
  const message = body as { id?: unknown; usage?: unknown; content?: unknown } | null;
  if (typeof message !== "object" || message === null) {
    throw new TypeError(`response is not a message: ${typeof body}`);
  }
  if (typeof message.usage !== "object" || message.usage === null) {
    throw new TypeError("response has no usage object");
  }

  const toolUses: ToolUse[] = [];
  if (Array.isArray(message.content)) {
    for (const block of message.content as Array<Record<string, unknown>>) {
      if (block?.type === "tool_use") toolUses.push({ name: String(block.name), input: block.input });
    }
  }

  const reply: ReplyUsage = { usage: message.usage as Record<string, unknown>, toolUses };
  if (typeof message.id === "string") reply.id = message.id;
  return reply;
}
