import { z } from "zod";

import { type InputIssue, InvalidInputError } from "../errors.js";
import { ScriptExhaustedError } from "./errors.js";
import type { MessagesRequest } from "./request.js";

const STOP_REASONS = [
  "end_turn",
  "tool_use",
  "max_tokens",
  "stop_sequence",
  "pause_turn",
  "refusal",
] as const;

export type StopReason = (typeof STOP_REASONS)[number];

export interface ScriptedText {
  type: "text";
  text: string;
}

export interface ScriptedToolUse {
  type: "tool_use";
  name: string;
  input: Record<string, unknown>;
  /** Defaults to a deterministic `toolu_mock_...` id. */
  id?: string;
}

export type ScriptedBlock = ScriptedText | ScriptedToolUse;

/** A successful answer of the scripted model. */
export interface ScriptedReply {
  /** The reply's blocks; a string is one text block. */
  content: string | readonly ScriptedBlock[];
  /** Defaults to `tool_use` when the content calls a tool, else `end_turn`. */
  stopReason?: StopReason;
  /** Output tokens to report; defaults to the content counted by the mock's tokenizer. */
  outputTokens?: number;
  /** Milliseconds before the response starts; defaults to the server's `latencyMs`. */
  latencyMs?: number;
  /**
   * Streaming only: stop after this many SSE events. With `error` the server sends an SSE `error`
   * event (as the API does when overloaded mid-stream) and ends; without, it drops the connection.
   */
  interrupt?: { afterEvents: number; error?: ScriptedFailure };
}

/** A scripted HTTP error, answered with the API's error JSON. */
export interface ScriptedFailure {
  /** HTTP status, 400 to 599; e.g. 429, 500, 529. */
  status: number;
  /** The API error type; defaults by status, e.g. `overloaded_error` for 529. */
  errorType?: string;
  message?: string;
  /**
   * Sent as `retry-after-ms`. Defaults to 1 for statuses the SDK retries (408, 409, 429, 5xx), so a
   * retried test waits 1 ms instead of the SDK's 0.5-8 s backoff; `null` sends none.
   */
  retryAfterMs?: number | null;
  /** Sent as `retry-after`, in seconds, as the real API does on 429. No default. */
  retryAfterSeconds?: number;
  /** More response headers, e.g. `{ "x-should-retry": "false" }`. */
  headers?: Record<string, string>;
  /** Milliseconds before the response; defaults to the server's `latencyMs`. */
  latencyMs?: number;
}

export type ScriptedTurn = ScriptedReply | ScriptedFailure;

/** What the scripted model is given for each `POST /v1/messages`. */
export interface ScriptedCall {
  /** The request as the model sees it: a thread continuation arrives with its whole history. */
  body: MessagesRequest;
  /** 0-based count of earlier calls to the script on this server, retries included. */
  turn: number;
  /** Request headers, with credentials redacted. */
  headers: Readonly<Record<string, string>>;
}

export type Responder = (call: ScriptedCall) => ScriptedTurn | Promise<ScriptedTurn>;

/** A scripted model: a function of each call, or turns played in order, one per call. */
export type Script = Responder | readonly ScriptedTurn[];

export function text(value: string): ScriptedText {
  return { type: "text", text: value };
}

export function toolUse(
  name: string,
  input: Record<string, unknown>,
  id?: string,
): ScriptedToolUse {
  return id === undefined
    ? { type: "tool_use", name, input }
    : { type: "tool_use", name, input, id };
}

type FailureOptions = Omit<ScriptedFailure, "status">;

export function apiError(status: number, options: FailureOptions = {}): ScriptedFailure {
  return { status, ...options };
}

/** HTTP 529 `overloaded_error`, which the SDK retries. */
export function overloaded(options: FailureOptions = {}): ScriptedFailure {
  return { status: 529, message: "Overloaded", ...options };
}

/** HTTP 429 `rate_limit_error`, which the SDK retries. */
export function rateLimited(options: FailureOptions = {}): ScriptedFailure {
  const message = "This request would exceed the rate limit for your organization.";
  return { status: 429, message, ...options };
}

/** HTTP 500 `api_error`, which the SDK retries. */
export function serverError(options: FailureOptions = {}): ScriptedFailure {
  return { status: 500, message: "Internal server error", ...options };
}

export function isScriptedFailure(turn: ScriptedTurn): turn is ScriptedFailure {
  return "status" in turn;
}

/**
 * The first calls fail with `failures`, one each; later calls go to `then`, which counts its turns
 * from 0 as if the failures had not happened. `failFirst([overloaded()], script)` is "529 once,
 * then the script".
 */
export function failFirst(failures: readonly ScriptedFailure[], then: Script): Responder {
  const rest = toResponder(then);
  return (call) => {
    const failure = failures[call.turn];
    return failure ?? rest({ ...call, turn: call.turn - failures.length });
  };
}

export function toResponder(script: Script): Responder {
  if (typeof script === "function") return script;
  return ({ turn }) => {
    const next = script[turn];
    if (next === undefined) throw new ScriptExhaustedError(script.length, turn);
    return next;
  };
}

const nonNegative = z.number().nonnegative();

const failureSchema = z.object({
  status: z.number().int().min(400).max(599),
  errorType: z.string().min(1).optional(),
  message: z.string().optional(),
  retryAfterMs: nonNegative.nullable().optional(),
  retryAfterSeconds: nonNegative.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  latencyMs: nonNegative.optional(),
});

const blockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("tool_use"),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    id: z.string().min(1).optional(),
  }),
]);

const replySchema = z.object({
  // A string is one text block; reading it as such keeps zod's messages to the block at fault.
  content: z.preprocess(
    (value) => (typeof value === "string" ? [text(value)] : value),
    z.array(blockSchema),
  ),
  stopReason: z.enum(STOP_REASONS).optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  latencyMs: nonNegative.optional(),
  interrupt: z
    .object({ afterEvents: z.number().int().nonnegative(), error: failureSchema.optional() })
    .optional(),
});

// A failure is told from a reply by its `status`, so each is checked against its own schema and
// zod's messages name the field at fault rather than "no union member matched".
function checkTurn(value: unknown) {
  const isFailure = typeof value === "object" && value !== null && "status" in value;
  return (isFailure ? failureSchema : replySchema).safeParse(value);
}

/** Checks what a script returned, naming the turn and every problem in one error. */
export function parseTurn(value: unknown, turn: number): ScriptedTurn {
  const result = checkTurn(value);
  if (result.success) return result.data;
  throw InvalidInputError.fromZod(`scripted turn ${turn}`, result.error, value);
}

/** The problems of every turn in a list, each with its path (`respond.2.content.0.name`). */
export function turnListIssues(turns: readonly unknown[]): InputIssue[] {
  return turns.flatMap((value, turn) => {
    const result = checkTurn(value);
    if (result.success) return [];
    return InvalidInputError.fromZod("", result.error, value).issues.map((issue) => ({
      ...issue,
      path: ["respond", turn, issue.path].filter((part) => part !== "").join("."),
    }));
  });
}
