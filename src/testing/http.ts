import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

import { MockApiError, errorTypeFor } from "./errors.js";
import type { ScriptedFailure } from "./script.js";
import { messageOf } from "../errors.js";

const REDACTED = "[redacted]";
const SECRET_HEADERS = new Set(["x-api-key", "authorization", "cookie", "proxy-authorization"]);

/** Statuses the SDK retries; a scripted failure with one of them gets a short `retry-after-ms`. */
function isRetried(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Request headers as one string each, with every credential replaced by `[redacted]`. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) ? REDACTED : [value].flat().join(", ");
  }
  return out;
}

/** The request body as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** A request body parsed as JSON; `undefined` for an empty body, 400 for anything not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;

  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = messageOf(error);
    throw new MockApiError(
      400,
      "invalid_request_error",
      `The request body is not valid JSON: ${reason}`,
    );
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** The API's error JSON: `{"type":"error","error":{"type":...,"message":...},"request_id":...}`. */
export function errorBody(error: MockApiError, requestId: string): object {
  const inner: Record<string, unknown> = { type: error.errorType, message: error.message };
  if (error.details) inner.details = error.details;
  return { type: "error", error: inner, request_id: requestId };
}

export function sendApiError(
  response: ServerResponse,
  error: MockApiError,
  requestId: string,
): void {
  sendJson(response, error.status, errorBody(error, requestId), error.headers);
}

/** The error a scripted failure answers with, retry headers included. */
export function failureError(failure: ScriptedFailure): MockApiError {
  const errorType = failure.errorType ?? errorTypeFor(failure.status);
  const headers: Record<string, string> = { ...failure.headers };

  const retryAfterMs =
    failure.retryAfterMs === undefined && isRetried(failure.status) ? 1 : failure.retryAfterMs;
  if (retryAfterMs !== undefined && retryAfterMs !== null)
    headers["retry-after-ms"] = String(retryAfterMs);
  if (failure.retryAfterSeconds !== undefined)
    headers["retry-after"] = String(failure.retryAfterSeconds);

  return new MockApiError(failure.status, errorType, failure.message ?? errorType, { headers });
}

/** Any error thrown while handling a request, as the API error the client receives. */
export function asApiError(error: unknown): MockApiError {
  if (error instanceof MockApiError) return error;

  // A broken script is the test's own bug: retrying it would only hide that.
  const message = messageOf(error);
  return new MockApiError(500, "api_error", `mock model failed: ${message}`, {
    headers: { "x-should-retry": "false" },
  });
}
