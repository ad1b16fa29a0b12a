import type { CallRecord } from "../record/record.js";
import type { Run } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";
import type { PolicyViolationError, TripPoint } from "./errors.js";

/** A soft threshold crossed: the run goes on. Fires once per crossing per run (or window). */
export interface Warning {
  policy: string;
  /** The limit whose share was crossed, in the policy's unit. */
  limit: number;
  observed: number;
  /** The share of the limit that triggers the warning, e.g. 0.8. */
  fraction: number;
  step?: string;
  /** 1-based index of the call after which the threshold was crossed. */
  call: number;
  message: string;
}

/**
 * The engine's events: a typed map from name to listener, each listener taking one payload
 * object. State changes before the event fires, so a listener sees the state the event
 * describes; after a run's `runEnd` nothing fires for it but a late `call` (billed in flight).
 */
export interface GuardEvents {
  /**
   * A call completed and was recorded into its run. `late` marks a call that was in flight when
   * its run ended: it was billed, so it is still announced, after the run's `runEnd`.
   */
  call: (event: { run: Run; record: CallRecord; call: number; late?: boolean }) => void;
  /** A call was refused before it was sent (the policy's error is also thrown to the agent). */
  refused: (event: { run: Run; error: PolicyViolationError }) => void;
  warning: (event: { run: Run; warning: Warning }) => void;
  /** A policy stopped the run. Later calls of the run are refused with the same error. */
  trip: (event: { run: Run; error: PolicyViolationError; when: TripPoint }) => void;
  /** The run ended, however it ended; `summary.outcome` says how. */
  runEnd: (event: { run: Run; summary: RunSummary }) => void;
  /**
   * A model call attempt failed before it produced a response (an HTTP error such as 429, 529 or
   * 5xx, or a network error): nothing is recorded for it and its reservation is released. The
   * SDK may retry it; the retry is a new attempt. Emitted by the SDK middleware.
   */
  attemptFailed: (event: AttemptFailedEvent) => void;
  /**
   * The SDK middleware cut a stream off because its output would break a limit (or its run was
   * stopped meanwhile); what it had spent is recorded as a partial call.
   */
  streamCut: (event: { run: Run; record: CallRecord; error: PolicyViolationError }) => void;
  /** Wind-down lowered a request's `max_tokens` to what the remaining budget can pay for. */
  windDown: (event: WindDownEvent) => void;
  /**
   * The SDK middleware could not read a request or a response, or could not record a call. The
   * agent's call went on; this event reports what was not guarded or not recorded.
   */
  middlewareError: (event: MiddlewareErrorEvent) => void;
  /** A listener threw. The run was not affected; this event reports it. */
  listenerError: (event: { event: string; error: unknown }) => void;
}

export interface AttemptFailedEvent {
  run: Run;
  model: string;
  step?: string;
  /** The HTTP status, when the server answered; absent for a network error or an abort. */
  status?: number;
  /** The error thrown, for a network error or an abort. */
  error?: unknown;
  /** 0-based attempt number, from the SDK's `x-stainless-retry-count` header. */
  retry: number;
  latencyMs: number;
}

export interface WindDownEvent {
  run: Run;
  model: string;
  step?: string;
  /** The `max_tokens` the agent asked for. */
  requested: number;
  /** The `max_tokens` sent. */
  allowed: number;
  /** What the tightest budget had left before the call, in USD. */
  remainingUsd: number;
}

export interface MiddlewareErrorEvent {
  /** The run the call belonged to, when it was known. */
  run?: Run;
  /** Where it failed: reading the request, counting tokens, reading the response, recording. */
  phase: "request" | "count_tokens" | "response" | "record";
  error: unknown;
}
