import { EventEmitter } from "eventemitter3";

/**
 * An eventemitter3 emitter whose listeners can never break the code that emits: a listener that
 * throws (or returns a rejected promise) is reported as a `listenerError` event and the other
 * listeners still run. Alert hooks and sinks are listeners, so a failing one never stops an agent.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  override emit<E extends EventEmitter.EventNames<Events>>(
    event: E,
    ...args: EventEmitter.EventArgs<Events, E>
  ): boolean {
    const listeners = this.listeners(event);

    for (const listener of listeners) {
      try {
        const result: unknown = (listener as (...a: unknown[]) => unknown)(...args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.reportListenerError(String(event), error));
        }
      } catch (error) {
        this.reportListenerError(String(event), error);
      }
    }
    return listeners.length > 0;
  }

  private reportListenerError(event: string, error: unknown): void {
    // A failing listenerError listener is dropped silently: reporting it again could loop.
    if (event === "listenerError") return;
    const emit = this.emit.bind(this) as unknown as (name: string, payload: unknown) => boolean;
    emit("listenerError", { event, error });
  }
}
