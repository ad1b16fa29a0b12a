import { constants } from "node:os";

/** The exit code a shell reports for a process ended by `signal`: 128 plus its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Runs `onSignal` on the first of `signals`, then exits with the conventional code unless `exit`
 * is false. Handlers are removed as the first signal arrives, so a second Ctrl-C takes Node's
 * default action and ends a shutdown that hangs. Returns a function that removes them.
 */
export function onFirstSignal(
  signals: readonly NodeJS.Signals[],
  onSignal: (signal: NodeJS.Signals) => Promise<void> | void,
  exit: boolean,
): () => void {
  const listeners = new Map<NodeJS.Signals, () => void>();
  const dispose = () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    listeners.clear();
  };

  for (const signal of signals) {
    const listener = () => {
      dispose();
      const leave = () => {
        if (exit) process.exit(signalExitCode(signal));
      };

      // Done synchronously, the process leaves at once: the agent's aborted calls get no chance
      // to end it first with an exit code of their own.
      let pending: Promise<void> | void = undefined;
      try {
        pending = onSignal(signal);
      } catch {
        // A sink that throws on the way out must not keep the process from leaving.
      }
      if (pending) void pending.finally(leave);
      else leave();
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return dispose;
}
