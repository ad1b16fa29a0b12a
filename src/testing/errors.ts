import { AgentTraceError, isAgentTraceError } from "../errors.js";

/**
 * A list of scripted turns ran out: the agent made more model calls than the test scripted. The
 * mock answers that call with HTTP 500 and `x-should-retry: false`, so the SDK does not retry it.
 */
export class ScriptExhaustedError extends AgentTraceError {
  /** How many turns the script holds. */
  readonly scripted: number;
  /** The 0-based turn that found none. */
  readonly turn: number;

  constructor(scripted: number, turn: number) {
    super(
      `the mock model was called for turn ${turn + 1} but the script has only ${scripted} ` +
        `turn(s); add turns, or check why the agent made another call`,
    );
    this.scripted = scripted;
    this.turn = turn;
  }
}

export function isScriptExhaustedError(value: unknown): value is ScriptExhaustedError {
  return isAgentTraceError(value) && value.name === "ScriptExhaustedError";
}

/** The API error types by HTTP status, as the real API names them. */
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function errorTypeFor(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/**
 * An answer the mock sends as an API error; internal, thrown inside a request handler and turned
 * into the API's error JSON there.
 */
export class MockApiError extends AgentTraceError {
  readonly status: number;
  readonly errorType: string;
  /** The `error.details` object, e.g. `{ error_code: "thread_not_found" }`. */
  readonly details: Record<string, unknown> | undefined;
  /** Extra response headers, e.g. `x-should-retry`. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errorType: string,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.errorType = errorType;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}
