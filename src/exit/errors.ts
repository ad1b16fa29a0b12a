import { AgentTraceError, isAgentTraceError, messageOf } from "../errors.js";

/**
 * A run's report could not be written where `reportOnExit` was told to write it. Passed to its
 * `onError`; never thrown at the agent.
 */
export class ReportWriteError extends AgentTraceError {
  /** The run whose report was lost. */
  readonly run: string;
  readonly runId: string;
  /** The file path, or `stream` or `callback`. */
  readonly destination: string;

  constructor(details: { run: string; runId: string; destination: string; cause: unknown }) {
    const reason = messageOf(details.cause);
    super(
      `the report of run ${details.run} (${details.runId}) could not be written to ` +
        `${details.destination}: ${reason}; check the destination, or pass a callback`,
      { cause: details.cause },
    );
    this.run = details.run;
    this.runId = details.runId;
    this.destination = details.destination;
  }
}

export function isReportWriteError(value: unknown): value is ReportWriteError {
  return isAgentTraceError(value) && value.name === "ReportWriteError";
}
