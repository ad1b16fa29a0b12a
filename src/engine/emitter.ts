import { EventEmitter } from "eventemitter3";

/** How eventemitter3 keeps one listener: the function, its `this`, and whether it fires once. */
interface ListenerRecord {
  fn: (...args: unknown[]) => unknown;
  context: unknown;
  once: boolean;
}

/**
 * An eventemitter3 emitter whose listeners can never break the code that emits: a listener that
 * throws (or returns a rejected promise) is reported as a `listenerError` event and the other
 * listeners still run. Alert hooks and sinks are listeners, so a failing one never stops an agent.
 * `once` listeners and listener contexts behave as in eventemitter3.
 */
export class SafeEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  override emit<E extends EventEmitter.EventNames<Events>>(
    event: E,
    ...args: EventEmitter.EventArgs<Events, E>
  ): boolean {
    const records = this.records(event);

    for (const record of records) {
      // Removed before it runs, as eventemitter3 does, so a throwing once-listener stays removed.
      if (record.once) this.removeListener(event, record.fn as never, record.context, true);
      try {
        const result = record.fn.apply(record.context, args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.reportListenerError(String(event), error));
        }
      } catch (error) {
        this.reportListenerError(String(event), error);
      }
    }
    return records.length > 0;
  }

  /** A snapshot of the event's listener records, read from eventemitter3's own storage. */
  private records(event: PropertyKey): ListenerRecord[] {
    const key = EventEmitter.prefixed ? `${EventEmitter.prefixed}${String(event)}` : event;
    const stored = (this as unknown as { _events: Record<PropertyKey, unknown> })._events[key];
    if (!stored) return [];
    return Array.isArray(stored) ? [...stored] : [stored as ListenerRecord];
  }

  private reportListenerError(event: string, error: unknown): void {
    // A failing listenerError listener is dropped silently: reporting it again could loop.
    if (event === "listenerError") return;
    const emit = this.emit.bind(this) as unknown as (name: string, payload: unknown) => boolean;
    emit("listenerError", { event, error });
  }
}
