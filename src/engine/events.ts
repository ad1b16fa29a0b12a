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
 * describes; nothing fires for a run after its `runEnd`.
 */
export interface GuardEvents {
  /** A call completed and was recorded into its run. */
  call: (event: { run: Run; record: CallRecord; call: number }) => void;
  /** A call was refused before it was sent (the policy's error is also thrown to the agent). */
  refused: (event: { run: Run; error: PolicyViolationError }) => void;
  warning: (event: { run: Run; warning: Warning }) => void;
  /** A policy stopped the run. Later calls of the run are refused with the same error. */
  trip: (event: { run: Run; error: PolicyViolationError; when: TripPoint }) => void;
  /** The run ended, however it ended; `summary.outcome` says how. */
  runEnd: (event: { run: Run; summary: RunSummary }) => void;
  /** A listener threw. The run was not affected; this event reports it. */
  listenerError: (event: { event: string; error: unknown }) => void;
}
