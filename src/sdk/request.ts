import type { APIRequest } from "@anthropic-ai/sdk/core/api";
import type { MiddlewareContext } from "@anthropic-ai/sdk";

/** What the guard needs from a `POST /v1/messages` request body. */
export interface MessagesCall {
  model: string;
  /** The request's `max_tokens`: the most output it can bill. */
  maxTokens: number;
  stream: boolean;
  /** The body as the SDK built it; read, never modified. */
  body: Readonly<Record<string, unknown>>;
  /** For a continued server-held thread, the message it continues. */
  continues?: string;
  /** True when the request starts or continues a server-held thread. */
  threaded: boolean;
  /** The cache lifetime the request's breakpoints ask for, or undefined when it caches nothing. */
  cacheTtl?: "5m" | "1h";
}

const MESSAGES_PATH = "/v1/messages";

/** True for the requests the guard checks: `POST /v1/messages` (count_tokens and batches pass). */
export function isMessagesRequest(request: APIRequest): boolean {
  const method = request.method ?? "GET";
  if (method !== "POST" && method.toUpperCase() !== "POST") return false;

  const { url } = request;
  const query = url.indexOf("?");
  const end = query === -1 ? url.length : query;
  return url.startsWith(MESSAGES_PATH, end - MESSAGES_PATH.length);
}

/**
 * Reads a messages request. The SDK hands its options (`ctx.options.body`) as an object, which
 * costs nothing to read; a request built by hand is parsed from its JSON. Throws when the body
 * holds no model or no `max_tokens`, which the API would refuse anyway.
 */
export function readMessagesCall(request: APIRequest, ctx: MiddlewareContext): MessagesCall {
  const body = bodyOf(request, ctx);
  const model = body.model;
  const maxTokens = body.max_tokens;
  if (typeof model !== "string" || model === "") throw new TypeError("request has no model");
  if (typeof maxTokens !== "number") throw new TypeError("request has no max_tokens");

  const call: MessagesCall = {
    model,
    maxTokens,
    stream: body.stream === true,
    body,
    threaded: false,
  };
  const thread = body.thread as { type?: string; previous_message_id?: string } | null | undefined;
  if (thread?.type === "create" || thread?.type === "continue") call.threaded = true;
  if (thread?.type === "continue" && typeof thread.previous_message_id === "string") {
    call.continues = thread.previous_message_id;
  }

  const ttl = cacheTtl(body);
  if (ttl !== undefined) call.cacheTtl = ttl;
  return call;
}

/** The request with `max_tokens` replaced; the body is re-encoded from what was to be sent. */
export function withMaxTokens(request: APIRequest, call: MessagesCall, max: number): APIRequest {
  return { ...request, body: JSON.stringify({ ...call.body, max_tokens: max }) };
}

/** The prompt part of a request, as `POST /v1/messages/count_tokens` takes it. */
export function countTokensRequest(request: APIRequest, call: MessagesCall): APIRequest {
  const fields = ["model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers"];
  const body: Record<string, unknown> = {};
  for (const field of fields) if (call.body[field] !== undefined) body[field] = call.body[field];

  const query = request.url.indexOf("?");
  const url =
    query === -1
      ? `${request.url}/count_tokens`
      : `${request.url.slice(0, query)}/count_tokens${request.url.slice(query)}`;
  return { ...request, url, body: JSON.stringify(body), signal: request.signal ?? null };
}

function bodyOf(request: APIRequest, ctx: MiddlewareContext): Record<string, unknown> {
  // The SDK's own options object costs nothing to read; a hand-built request is parsed.
  const options = ctx.options?.body;
  if (isObject(options)) return options;
  if (typeof request.body === "string") {
    const parsed: unknown = JSON.parse(request.body);
    if (isObject(parsed)) return parsed;
  }
  throw new TypeError("request body is not a JSON object");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * The cache lifetime a request asks for: `1h` if any breakpoint asks for an hour, else `5m` if
 * any breakpoint (or top-level automatic caching) is set, else undefined.
 */
function cacheTtl(body: Record<string, unknown>): "5m" | "1h" | undefined {
  let ttl: "5m" | "1h" | undefined;
  const note = (piece: Record<string, unknown>) => {
    const control = piece.cache_control as { ttl?: string } | null | undefined;
    if (control) ttl = control.ttl === "1h" || ttl === "1h" ? "1h" : "5m";
  };

  note(body);
  for (const tool of list(body.tools)) note(tool);
  for (const block of list(body.system)) note(block);
  for (const message of list(body.messages)) {
    for (const block of list(message.content)) {
      note(block);
      for (const part of list(block.content)) note(part);
    }
  }
  return ttl;
}
