import { AgentTraceError, isAgentTraceError, messageOf, notifySafely } from "../errors.js";

export interface SinkErrorDetails {
  /** Which sink failed, e.g. `jsonl` or `sqlite`. */
  sink: string;
  /** Where it was writing: a file path or a database name. */
  target: string;
  /** Calls that this failure kept from being stored. */
  lost: number;
  cause: unknown;
}

/**
 * A sink could not store some calls (disk full, permission denied, a locked database). Sinks never
 * throw it at the agent: they hand it to their `onError` callback, and the agent goes on.
 */
export class SinkWriteError extends AgentTraceError implements Omit<SinkErrorDetails, "cause"> {
  readonly sink: string;
  readonly target: string;
  readonly lost: number;

  constructor(details: SinkErrorDetails) {
    const reason = messageOf(details.cause);
    super(
      `${details.sink} sink could not write ${details.lost} ` +
        `${details.lost === 1 ? "call" : "calls"} to ${details.target}: ${reason}; ` +
        `check the path's permissions and free space`,
      { cause: details.cause },
    );
    this.sink = details.sink;
    this.target = details.target;
    this.lost = details.lost;
  }
}

export function isSinkWriteError(value: unknown): value is SinkWriteError {
  return isAgentTraceError(value) && value.name === "SinkWriteError";
}

/** Where a sink's failures go; the default drops them, since a sink must never break the agent. */
export type SinkErrorHandler = (error: SinkWriteError) => void;

/** Calls `onError` without letting a throwing handler escape into the sink's write loop. */
export function reportSinkError(onError: SinkErrorHandler | undefined, error: SinkWriteError) {
  notifySafely(onError, error);
}
