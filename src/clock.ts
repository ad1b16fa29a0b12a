/**
 * The only source of time in agenttrace. Library code never reads the wall clock directly: a live
 * run takes the system clock by default, a test passes a manual clock, and a replay uses the
 * recording's own timestamps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to; for tests and replays. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the clock to `epochMs`. */
  set(epochMs: number): void {
    this.current = epochMs;
  }
}
