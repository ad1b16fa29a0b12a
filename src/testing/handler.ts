import type { IncomingMessage, ServerResponse } from "node:http";

import { EventEmitter } from "eventemitter3";

import { PromptCache } from "./cache.js";
import { MockApiError } from "./errors.js";
import {
  asApiError,
  failureError,
  readBody,
  parseJson,
  redactHeaders,
  sendApiError,
  sendJson,
} from "./http.js";
import type { ResolvedOptions } from "./options.js";
import { buildMessage, formatSse, type MockMessage, replyContent, streamEvents } from "./render.js";
import { parseMessagesRequest } from "./request.js";
import {
  isScriptedFailure,
  parseTurn,
  type Responder,
  type ScriptedReply,
  toResponder,
} from "./script.js";
import { ThreadStore } from "./threads.js";
import { promptUnits, totalTokens } from "./tokens.js";

/** One request the mock received, as a test asserts on it. */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  /** The URL path without its query, e.g. `/v1/messages`. */
  path: string;
  /** The query string without `?`, e.g. `beta=true`; empty when there is none. */
  query: string;
  /** Request headers, one string each, with `x-api-key` and `authorization` redacted. */
  headers: Record<string, string>;
  /** The JSON body as sent (a thread continuation: only its new messages); `undefined` if none. */
  body: unknown;
  /** The turn the script was asked for, when the call reached the script. */
  turn?: number;
  /** The HTTP status sent, once the response has started. */
  status?: number;
  /** `aborted` when the connection closed before the response ended (client or interrupt). */
  outcome: "pending" | "complete" | "aborted";
  /** The message of the API error sent, as a response or as an SSE `error` event. */
  error?: string;
}

export interface MockServerEvents {
  /** A request arrived; it is already in `requests`. */
  request: (event: { request: RecordedRequest }) => void;
  /** A response ended, complete or cut off: `request.outcome` says which. */
  response: (event: { request: RecordedRequest }) => void;
}

/** Answers the mock's routes; the HTTP server around it lives in `server.ts`. */
export class MockHandler {
  readonly requests: RecordedRequest[] = [];
  readonly events = new EventEmitter<MockServerEvents>();

  private readonly open = new Set<Promise<void>>();
  private readonly respond: Responder;
  private readonly cache: PromptCache;
  private readonly threads = new ThreadStore();
  private readonly counters = { request: 0, message: 0, tool: 0, turn: 0 };

  constructor(private readonly options: ResolvedOptions) {
    this.respond = toResponder(options.respond);
    this.cache = new PromptCache(options.clock, options.minCacheTokens);
  }

  /** Resolves once every response started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.open]);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `req_mock_${pad(++this.counters.request)}`;
    const url = new URL(request.url ?? "/", "http://mock.invalid");
    const raw = await readBody(request);
    // Parsed once: the recording keeps what could be read, the answer reports what could not.
    let body: unknown;
    let unreadable: unknown;
    try {
      body = parseJson(raw);
    } catch (error) {
      unreadable = error;
    }
    const entry: RecordedRequest = {
      index: this.requests.length,
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.search.slice(1),
      headers: redactHeaders(request.headers),
      body,
      outcome: "pending",
    };

    // Record before answering, so a listener sees the call even if answering it fails.
    this.requests.push(entry);
    this.watch(response, entry);
    this.events.emit("request", { request: entry });

    response.setHeader("request-id", requestId);
    try {
      if (unreadable !== undefined) throw unreadable;
      if (entry.method === "POST" && entry.path === "/v1/messages") {
        await this.messages(body, entry, response, requestId);
      } else if (entry.method === "POST" && entry.path === "/v1/messages/count_tokens") {
        const counted = parseMessagesRequest(body, "count_tokens");
        sendJson(response, 200, { input_tokens: totalTokens(promptUnits(counted)) });
      } else {
        const message = `Not found: ${entry.method} ${entry.path}`;
        throw new MockApiError(404, "not_found_error", message);
      }
    } catch (error) {
      const apiError = asApiError(error);
      entry.error = apiError.message;
      if (!response.headersSent) sendApiError(response, apiError, requestId);
      else response.destroy();
    }

    // Set here as well as on close, so the log has the status as soon as the client can see it.
    if (response.headersSent) entry.status = response.statusCode;
  }

  private async messages(
    sent: unknown,
    entry: RecordedRequest,
    response: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const body = this.threads.expand(parseMessagesRequest(sent, "messages"));
    const units = promptUnits(body);

    const turn = this.counters.turn++;
    entry.turn = turn;
    const scripted = parseTurn(await this.respond({ body, turn, headers: entry.headers }), turn);

    const latency = scripted.latencyMs ?? this.options.latencyMs;
    if (latency > 0) await this.options.delay(latency);
    if (isScriptedFailure(scripted)) throw failureError(scripted);

    // Only a call that succeeds writes the cache and extends a thread, as in the API.
    const content = replyContent(scripted, () => `toolu_mock_${pad(++this.counters.tool)}`);
    const message = buildMessage({
      id: `msg_mock_${pad(++this.counters.message)}`,
      model: body.model,
      reply: scripted,
      content,
      input: this.cache.bill(body.model, units),
      serviceTier: this.options.serviceTier,
      inferenceGeo: this.options.inferenceGeo,
    });
    this.threads.record(message.id, body, content);

    if (body.stream) await this.stream(message, scripted, entry, response, requestId);
    else sendJson(response, 200, message);
  }

  private async stream(
    message: MockMessage,
    scripted: ScriptedReply,
    entry: RecordedRequest,
    response: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const events = streamEvents(message, this.options.chunkChars);
    const interrupt = scripted.interrupt;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    entry.status = 200;

    for (const [i, event] of events.entries()) {
      // The client went away: stop, as the API stops generating.
      if (response.destroyed) return;

      if (interrupt && i === interrupt.afterEvents) {
        if (!interrupt.error) return void response.destroy();
        const error = failureError(interrupt.error);
        entry.error = error.message;
        const data = { type: "error", error: { type: error.errorType, message: error.message } };
        return void response.end(
          formatSse({ event: "error", data: { ...data, request_id: requestId } }),
        );
      }

      response.write(formatSse(event));
      if (i < events.length - 1) await this.options.delay(this.options.chunkDelayMs);
    }
    response.end();
  }

  private watch(response: ServerResponse, entry: RecordedRequest): void {
    const closed = new Promise<void>((resolve) => {
      response.on("close", () => {
        entry.outcome = response.writableFinished ? "complete" : "aborted";
        if (response.headersSent) entry.status = response.statusCode;
        this.open.delete(closed);
        this.events.emit("response", { request: entry });
        resolve();
      });
    });
    this.open.add(closed);
  }
}

function pad(n: number): string {
  return String(n).padStart(6, "0");
}
