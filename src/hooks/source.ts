import type { EventEmitter } from "eventemitter3";

import type { GuardEvents } from "../engine/events.js";
import type { Run, RunOutcome } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";

/**
 * Anything that announces the engine's events: a `Guard`, or a plain eventemitter3 emitter typed
 * with `GuardEvents` (handy in tests and for replaying recorded runs). Sinks, hooks and reports
 * only ever listen, so this is all they need.
 */
export type GuardEventSource = Pick<EventEmitter<GuardEvents>, "on" | "off">;

/** What the exit handler needs beyond the events: the live runs, and a way to end them. */
export interface ExitGuard extends GuardEventSource {
  liveRuns(): Run[];
  finishRun(run: Run, outcome?: Exclude<RunOutcome, "running">, reason?: string): RunSummary;
}
