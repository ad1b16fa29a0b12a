import { z } from "zod";

import { MockApiError } from "./errors.js";

/** A prompt cache lifetime, as `cache_control.ttl` names it. */
export type CacheTtl = "5m" | "1h";

/** A `cache_control` marker on a block, a tool, or (automatic caching) the whole request. */
export interface CacheControl {
  type: "ephemeral";
  /** Defaults to `5m`, as in the API. */
  ttl?: CacheTtl;
}

/** A content block as a request sends it; the mock reads only the fields it needs. */
export interface RequestBlock {
  type: string;
  cache_control?: CacheControl | null;
  [field: string]: unknown;
}

export interface RequestMessage {
  role: "user" | "assistant";
  content: string | RequestBlock[];
}

/** A tool definition as a request sends it. */
export interface RequestTool {
  name: string;
  cache_control?: CacheControl | null;
  [field: string]: unknown;
}

/** The prompt part of a request, which is all `count_tokens` takes; unknown fields kept as sent. */
export interface PromptRequest {
  model: string;
  messages: RequestMessage[];
  system?: string | RequestBlock[];
  tools?: RequestTool[];
  cache_control?: CacheControl | null;
  [field: string]: unknown;
}

/** The body of `POST /v1/messages`, loosely typed: unknown fields are kept as sent. */
export interface MessagesRequest extends PromptRequest {
  max_tokens: number;
  stream?: boolean;
  thread?: { type: "create" } | { type: "continue"; previous_message_id: string } | null;
}

const cacheControl = z.object({
  type: z.literal("ephemeral"),
  ttl: z.enum(["5m", "1h"]).optional(),
});
const block = z.looseObject({ type: z.string(), cache_control: cacheControl.nullish() });

const fields = {
  model: z.string().min(1),
  messages: z.array(
    z.looseObject({
      role: z.enum(["user", "assistant"]),
      content: z.union([z.string(), z.array(block)]),
    }),
  ),
  system: z.union([z.string(), z.array(block)]).optional(),
  tools: z
    .array(z.looseObject({ name: z.string(), cache_control: cacheControl.nullish() }))
    .optional(),
  stream: z.boolean().optional(),
  cache_control: cacheControl.nullish(),
  thread: z
    .union([
      z.object({ type: z.literal("create") }),
      z.object({ type: z.literal("continue"), previous_message_id: z.string() }),
    ])
    .nullish(),
};

const messagesSchema = z.looseObject({ ...fields, max_tokens: z.number().int().positive() });
const countTokensSchema = z.looseObject(fields);

/**
 * Checks a request body the way the API does before any model runs, answering 400
 * `invalid_request_error` with every problem and its path, so a malformed call fails in the test
 * that made it rather than as a puzzling reply later.
 */
export function parseMessagesRequest(body: unknown, endpoint: "messages"): MessagesRequest;
export function parseMessagesRequest(body: unknown, endpoint: "count_tokens"): PromptRequest;
export function parseMessagesRequest(body: unknown, endpoint: "messages" | "count_tokens") {
  const schema = endpoint === "messages" ? messagesSchema : countTokensSchema;
  const result = schema.safeParse(body);
  if (result.success) return result.data as PromptRequest;

  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  throw new MockApiError(400, "invalid_request_error", problems.join("; "));
}
