import type { GuardEvents } from "../engine/events.js";
import type { GuardEventSource } from "../hooks/source.js";
import type { CallRecord } from "../record/record.js";
import type { Run } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";

/**
 * Where completed calls are kept beyond the process: a file, a database. A sink is written to from
 * the agent's hot path, so `write` only queues; the I/O happens after the agent's code has moved
 * on. No method throws and no promise rejects: failures go to the sink's `onError`.
 */
export interface Sink {
  /** Queues one completed call of `run`. Returns at once; never waits on disk or network. */
  write(run: Run, record: CallRecord): void;
  /** A run ended: sinks that keep runs (not only calls) store its outcome. Optional. */
  end?(run: Run, summary: RunSummary): void;
  /** Resolves when every call queued so far has been handed to the OS (or reported lost). */
  flush(): Promise<void>;
  /**
   * Stores what is queued before returning, for `process.on("exit")`, where nothing asynchronous
   * runs any more. Optional: a sink without it may lose what is queued when the process exits.
   */
  flushSync?(): void;
  /** Flushes, then releases the file or connection. Later writes are reported lost. */
  close(): Promise<void>;
}

export interface AttachSinkOptions {
  /** Store what is still queued when the process exits (`process.on("exit")`). Default `true`. */
  flushOnExit?: boolean;
}

/**
 * Sends every completed call of `guard` to `sink`, and flushes the sink when a run ends and when
 * the process exits. Returns a function that detaches the sink again (it does not close it).
 */
export function attachSink(
  guard: GuardEventSource,
  sink: Sink,
  options: AttachSinkOptions = {},
): () => void {
  const onCall: GuardEvents["call"] = ({ run, record }) => sink.write(run, record);

  // The run's calls were all queued before its end; flushing now puts the run on disk whole.
  // The promise goes back to the guard, which reports a sink that rejects as `listenerError`.
  const onRunEnd: GuardEvents["runEnd"] = ({ run, summary }) => {
    sink.end?.(run, summary);
    return sink.flush();
  };
  const onExit = () => {
    try {
      sink.flushSync?.();
    } catch {
      // Nothing can be reported any more while the process exits.
    }
  };

  guard.on("call", onCall);
  guard.on("runEnd", onRunEnd);
  const flushOnExit = options.flushOnExit ?? true;
  if (flushOnExit) process.on("exit", onExit);

  return () => {
    guard.off("call", onCall);
    guard.off("runEnd", onRunEnd);
    if (flushOnExit) process.off("exit", onExit);
  };
}
