import { AgentTraceError, isAgentTraceError, messageOf } from "../errors.js";

/** Why one delivery attempt failed. `url` is the endpoint's origin only: paths can hold secrets. */
export class WebhookDeliveryError extends AgentTraceError {
  readonly url: string;
  readonly attempt: number;
  /** The HTTP status, when the endpoint answered. */
  readonly status?: number;
  readonly retryable: boolean;

  constructor(details: {
    url: string;
    attempt: number;
    status?: number;
    retryable: boolean;
    /** The attempt's time limit, for the message when it ran out. */
    timeoutMs?: number;
    cause?: unknown;
  }) {
    const why =
      details.status !== undefined
        ? `answered HTTP ${details.status}`
        : describe(details.cause, details.timeoutMs);
    super(`webhook ${details.url} ${why} on attempt ${details.attempt}`, { cause: details.cause });
    this.url = details.url;
    this.attempt = details.attempt;
    if (details.status !== undefined) this.status = details.status;
    this.retryable = details.retryable;
  }
}

export const isWebhookDeliveryError = (v: unknown): v is WebhookDeliveryError =>
  isAgentTraceError(v) && v.name === "WebhookDeliveryError";

function describe(cause: unknown, timeoutMs: number | undefined): string {
  if (cause instanceof Error && cause.name === "TimeoutError") {
    return timeoutMs === undefined ? "timed out" : `did not answer within ${timeoutMs} ms`;
  }
  const message = messageOf(cause);
  return `could not be reached (${message})`;
}
