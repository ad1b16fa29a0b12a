import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Pricer } from "../pricing/types.js";
import { Run, type RunOptions } from "./run.js";
import type { RunSummary } from "./summary.js";

export interface TraceOptions {
  /** Source of time for every run of this trace. Default: the system clock. */
  clock?: Clock;
  /** Prices the calls recorded with `run.record()`. Default: the bundled Anthropic prices. */
  pricer?: Pricer;
}

/** A set of runs sharing a clock and a price table. */
export class Trace {
  private readonly list: Run[] = [];
  private readonly clock: Clock;
  private readonly pricer: Pricer | undefined;

  constructor(options: TraceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.pricer = options.pricer;
  }

  /** Starts a run and keeps it in this trace. */
  startRun(name: string, options: Omit<RunOptions, "clock" | "pricer"> = {}): Run {
    const run = new Run(name, { ...options, clock: this.clock, pricer: this.pricer });
    this.list.push(run);
    return run;
  }

  /** Every run started in this trace, in start order. */
  get runs(): readonly Run[] {
    return this.list;
  }

  /** Summaries of every run, live or ended: the `runs` of the report JSON. */
  summaries(): RunSummary[] {
    return this.list.map((run) => run.summary());
  }
}
