// A hook is just a listener on the guard's events. This one keeps counters a metrics exporter
// (Prometheus, StatsD, OpenTelemetry) can read, and pages someone when a run is stopped.
//
// Listeners run inside the agent's call, so they must be quick and must not wait on the network:
// count in memory, and send anything slow in the background. A listener that throws does not
// break the agent; the guard reports it as a `listenerError` event.
import type { GuardEvents } from "../../src/engine/events.js";
import type { GuardEventSource } from "../../src/hooks/source.js";

/** Counters by name and label, e.g. `trips{policy="maxCostUsd"}`. */
export class Counters {
  private readonly values = new Map<string, number>();

  add(name: string, labels: Record<string, string>, by = 1): void {
    const key = `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }
}

/** Whatever sends a page: PagerDuty, Opsgenie, an SMS gateway. It must not throw. */
export type Pager = (summary: string) => Promise<void>;

/** Counts calls, spend, warnings and trips; pages on trips. Returns a function that detaches. */
export function attachMetrics(guard: GuardEventSource, counters: Counters, page: Pager) {
  const onCall: GuardEvents["call"] = ({ record }) => {
    counters.add("calls", { model: record.model, step: record.tags.step ?? "none" });
    // Spend in exact 1e-10 USD units, so sums never drift; an unpriced call counts apart.
    if (record.cost === null) counters.add("unpriced_calls", { model: record.model });
    else counters.add("cost_units", { model: record.model }, record.cost);
  };

  const onWarning: GuardEvents["warning"] = ({ warning }) => {
    counters.add("warnings", { policy: warning.policy });
  };

  const onTrip: GuardEvents["trip"] = ({ run, error }) => {
    counters.add("trips", { policy: error.policy });
    // Fire and forget: the agent's call must not wait for the pager.
    void page(`run ${run.name} (${run.id}) stopped: ${error.message}`).catch(() => {
      counters.add("pages_failed", { policy: error.policy });
    });
  };

  const onRunEnd: GuardEvents["runEnd"] = ({ summary }) => {
    counters.add("runs", { outcome: summary.outcome });
  };

  guard.on("call", onCall);
  guard.on("warning", onWarning);
  guard.on("trip", onTrip);
  guard.on("runEnd", onRunEnd);
  return () => {
    guard.off("call", onCall);
    guard.off("warning", onWarning);
    guard.off("trip", onTrip);
    guard.off("runEnd", onRunEnd);
  };
}
