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
      if (block?.type === "tool_use")
        toolUses.push({ name: String(block.name), input: block.input });
    }
  }

  const reply: ReplyUsage = { usage: message.usage as Record<string, unknown>, toolUses };
  if (typeof message.id === "string") reply.id = message.id;
  return reply;
}

/**
 * Called once per reply: with its parsed body, or with the error that kept the body from arriving
 * (`failed`) or from being parsed (`unreadable`).
 */
export type ReplyObserver = (
  outcome: { body: unknown } | { failed: unknown } | { unreadable: unknown },
) => Promise<void>;

/**
 * Lets `observer` see a JSON reply as the client reads it, from what the client reads: nothing
 * is read twice. (`ctx.parse` would tee the body into a second web stream, which on Node 20 costs
 * more than everything else the guard does for a call.) The client's read resolves only after
 * the observer has finished, so an agent never runs ahead of its own accounting.
 *
 * The SDK reads JSON replies with `json()`; `text()` and `arrayBuffer()` cover a middleware that
 * reads a reply to replace it. A body read as a raw stream is not observed.
 */
export function observeJson(response: Response, observer: ReplyObserver): Response {
  let observed: Promise<void> | undefined;
  const once = (outcome: Parameters<ReplyObserver>[0]) => (observed ??= observer(outcome));

  // Configurable, so another middleware (a second guard, say) can wrap the reader again.
  const hook = <T>(read: () => Promise<T>, parse: (value: T) => unknown) => ({
    configurable: true,
    writable: true,
    value: async () => {
      let value: T;
      try {
        value = await read();
      } catch (error) {
        await once({ failed: error });
        throw error;
      }

      let body: unknown;
      try {
        body = parse(value);
      } catch (error) {
        await once({ unreadable: error });
        return value;
      }
      await once({ body });
      return value;
    },
  });

  Object.defineProperties(response, {
    json: hook(response.json.bind(response), (body) => body),
    text: hook(response.text.bind(response), (text) => JSON.parse(text)),
    arrayBuffer: hook(response.arrayBuffer.bind(response), (buffer) =>
      JSON.parse(new TextDecoder().decode(buffer)),
    ),
  });
  return response;
}
