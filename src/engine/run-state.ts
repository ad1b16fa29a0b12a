import type { PolicyViolationError } from "./errors.js";

/** What the engine tracks for a live run beyond its records: calls in flight, its trip. */
export class RunState {
  inFlight = 0;
  trip: PolicyViolationError | undefined;
  readonly abort = new AbortController();
  /** The policy warnings already given in this run, by key. */
  readonly warned = new Set<string>();
  private readonly byStep = new Map<string, number>();

  inFlightIn(step: string | undefined): number {
    return step === undefined ? this.inFlight : (this.byStep.get(step) ?? 0);
  }

  begin(step: string | undefined): void {
    this.inFlight += 1;
    if (step !== undefined) this.byStep.set(step, (this.byStep.get(step) ?? 0) + 1);
  }

  end(step: string | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (step !== undefined) this.byStep.set(step, Math.max(0, (this.byStep.get(step) ?? 0) - 1));
  }
}
