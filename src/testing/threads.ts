import { MockApiError } from "./errors.js";
import type { ReplyContent } from "./render.js";
import type { MessagesRequest, RequestMessage } from "./request.js";

interface Conversation {
  system: MessagesRequest["system"];
  tools: MessagesRequest["tools"];
  messages: RequestMessage[];
  continued: boolean;
}

/**
 * Server-held conversations (the beta `thread` field), which the SDK's tool runner uses by
 * default: `{ type: "create" }` keeps the conversation under the reply's id, and
 * `{ type: "continue", previous_message_id }` sends only the new messages. The mock rebuilds the
 * whole request before counting tokens, so a threaded agent is billed for its full history, as it
 * is by the API.
 */
export class ThreadStore {
  private readonly conversations = new Map<string, Conversation>();

  /** The request with its thread's history in place; the body itself when it has no thread. */
  expand(body: MessagesRequest): MessagesRequest {
    const thread = body.thread;
    if (!thread || thread.type === "create") return body;

    const previous = this.conversations.get(thread.previous_message_id);
    if (!previous) {
      throw new MockApiError(
        404,
        "not_found_error",
        `No thread holds message ${thread.previous_message_id}; start a new one with ` +
          `thread: {"type": "create"}.`,
        { details: { error_code: "thread_not_found" } },
      );
    }
    if (previous.continued) {
      throw new MockApiError(
        400,
        "invalid_request_error",
        `Message ${thread.previous_message_id} has already been continued.`,
        { details: { error_code: "thread_already_continued" } },
      );
    }
    if (body.system !== undefined || body.tools !== undefined) {
      throw new MockApiError(
        400,
        "invalid_request_error",
        "`system` and `tools` come from the thread and cannot be sent when continuing it.",
      );
    }

    const expanded: MessagesRequest = {
      ...body,
      messages: [...previous.messages, ...body.messages],
    };
    if (previous.system !== undefined) expanded.system = previous.system;
    if (previous.tools !== undefined) expanded.tools = previous.tools;
    return expanded;
  }

  /** Keeps a threaded call's conversation, reply included, under the reply's id. */
  record(replyId: string, expanded: MessagesRequest, content: ReplyContent[]): void {
    const thread = expanded.thread;
    if (!thread) return;

    if (thread.type === "continue") {
      this.conversations.get(thread.previous_message_id)!.continued = true;
    }
    this.conversations.set(replyId, {
      system: expanded.system,
      tools: expanded.tools,
      messages: [...expanded.messages, { role: "assistant", content }],
      continued: false,
    });
  }
}
