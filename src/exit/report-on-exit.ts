import { z } from "zod";

import { InvalidInputError } from "../errors.js";
import type { GuardEvents } from "../engine/events.js";
import type { ExitGuard } from "../hooks/source.js";
import type { Sink } from "../sinks/sink.js";
import type { ReportWriteError } from "./errors.js";
import { onFirstSignal } from "./signals.js";
import { ReportWriter, type ReportDestination, type ReportFormat } from "./writer.js";

export interface ReportOnExitOptions {
  /** A file path (each report appended), a stream, or a function given `{ summary, text }`. */
  to: ReportDestination;
  /** `text` (default), `json` (one line per run) or `both`. */
  format?: ReportFormat;
  /**
   * Signals to handle: on the first, every live run ends `interrupted` (its report written), the
   * sinks are flushed, and the process exits with 128 + the signal's number. `true` means
   * `["SIGINT", "SIGTERM"]`. Default `false`: no handler is installed.
   */
  signals?: boolean | NodeJS.Signals[];
  /** Sinks to flush before the process exits on a signal or `process.exit`. Default none. */
  sinks?: Sink[];
  /**
   * Exit after handling a signal. Default `true`. With `false` your own handler must end the
   * process: while any handler is installed, Node does not end it for you.
   */
  exitOnSignal?: boolean;
  /** Longest wait for sinks and streams to flush on a signal, in ms. Default 5000. */
  flushTimeoutMs?: number;
  /** Receives reports that could not be written. Default: dropped. */
  onError?: (error: ReportWriteError) => void;
}

// Checked when configured: a report that silently goes nowhere is found only after a crash.
const OptionsSchema = z.looseObject({
  to: z.union(
    [
      z.string().min(1),
      z.custom<object>((v) => typeof v === "function"),
      z.custom<object>((v) => typeof (v as { write?: unknown } | null)?.write === "function"),
    ],
    { message: "must be a file path, a writable stream or a function" },
  ),
  format: z.enum(["text", "json", "both"]).optional(),
  signals: z.union([z.boolean(), z.array(z.string().regex(/^SIG[A-Z0-9]+$/))]).optional(),
  exitOnSignal: z.boolean().optional(),
  flushTimeoutMs: z.number().nonnegative().optional(),
});

/**
 * Writes each run's report when the run ends, however it ends: completed, tripped, failed with an
 * exception (through `guard.run`), or interrupted by a signal or a `process.exit` while live.
 * Configure it once per guard. Returns a function that stops it and removes its handlers.
 */
export function reportOnExit(guard: ExitGuard, options: ReportOnExitOptions): () => void {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw InvalidInputError.fromZod("reportOnExit options", parsed.error, options);
  }

  const writer = new ReportWriter(options.to, options.format ?? "text", options.onError ?? noop);
  const sinks = options.sinks ?? [];
  const onRunEnd: GuardEvents["runEnd"] = ({ summary }) => writer.write(summary);

  // Only synchronous work runs in an exit listener: end the runs (their reports are written
  // synchronously to files) and store what the sinks still hold.
  const onExit = (code: number) => {
    finishLive(guard, `the process exited (code ${code}) before the run ended`);
    for (const sink of sinks) sink.flushSync?.();
  };

  // Synchronous when it can be (every sink flushes synchronously, no stream write is pending),
  // so the process leaves at once; otherwise it waits for the rest, within the timeout.
  const onSignal = (signal: NodeJS.Signals): Promise<void> | void => {
    finishLive(guard, `received ${signal}`);
    for (const sink of sinks) sink.flushSync?.();

    const slow = sinks.filter((sink) => !sink.flushSync).map((sink) => sink.flush());
    if (writer.pending > 0) slow.push(writer.settled());
    if (slow.length > 0) return settle(slow, options.flushTimeoutMs ?? 5000);
  };

  guard.on("runEnd", onRunEnd);
  process.on("exit", onExit);
  const signals = options.signals === true ? ["SIGINT", "SIGTERM"] : options.signals || [];
  const removeSignals = onFirstSignal(
    signals as NodeJS.Signals[],
    onSignal,
    options.exitOnSignal ?? true,
  );

  return () => {
    guard.off("runEnd", onRunEnd);
    process.off("exit", onExit);
    removeSignals();
  };
}

function finishLive(guard: ExitGuard, reason: string): void {
  for (const run of guard.liveRuns()) guard.finishRun(run, "interrupted", reason);
}

/** Waits for `work`, but no longer than `ms`: a hung disk must not keep a process from exiting. */
async function settle(work: Promise<void>[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.all(work), timeout]);
  clearTimeout(timer);
}

function noop(): void {}
