import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Pricer } from "../pricing/types.js";
import { createRecord, type CallInput, type CallRecord } from "../record/record.js";
import { addToAggregate, emptyAggregate, type Aggregate } from "./aggregate.js";
import { NumberColumn } from "./percentile.js";
import { summarize, type RunSummary } from "./summary.js";

/** How a run ended. `running` until it does. */
export type RunOutcome = "running" | "completed" | "tripped" | "failed" | "interrupted";

export interface RunOptions {
  /** Flat string tags that describe the whole run, e.g. `{ tenant: "acme" }`. Default none. */
  tags?: Record<string, string>;
  /**
   * Keep every call record (default `true`). With `false` the run keeps only its aggregates and
   * latencies (8 bytes a call), for long-lived runs whose records go to a sink instead.
   */
  keepRecords?: boolean;
  /** Source of time for calls recorded without a start time. Default: the system clock. */
  clock?: Clock;
  /** Prices calls recorded with `record()`. Required for `record()`, not for `add()`. */
  pricer?: Pricer;
  /** Run id; default a random UUID, unique across processes (sinks and stores key runs by it). */
  id?: string;
  /**
   * Set by a `Guard` on the runs it starts: their calls must go through the guard (its
   * `beforeCall`/`afterCall`, or the SDK middleware), so `record()` refuses them.
   */
  guarded?: boolean;
}

/**
 * One agent run: a sequence of model calls whose totals, breakdowns and latency percentiles are
 * readable at any moment while the run is live. A run never calls the network and never reads
 * the wall clock except through its clock.
 */
export class Run {
  readonly id: string;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly totals: Aggregate = emptyAggregate();

  private readonly models = new Map<string, Aggregate>();
  private readonly tagBreakdowns = new Map<string, Map<string, Aggregate>>();
  private readonly latencies = new NumberColumn();
  private readonly kept: CallRecord[] | undefined;
  private readonly clock: Clock;
  private readonly pricer: Pricer | undefined;
  private readonly guarded: boolean;
  // NaN until the first call: a double field from the start keeps `add` free of allocations.
  private first = Number.NaN;
  private last = Number.NaN;
  private state: RunOutcome = "running";
  /** Running figures of the prompt estimates' relative errors: a summary needs no more. */
  private readonly estimateErrors = { calls: 0, sumAbs: 0, worstUnder: 0, worstOver: 0 };
  private reason: string | undefined;

  constructor(name: string, options: RunOptions = {}) {
    this.id = options.id ?? randomUUID();
    this.name = name;
    this.tags = Object.freeze({ ...options.tags });
    this.kept = options.keepRecords === false ? undefined : [];
    this.clock = options.clock ?? systemClock;
    this.pricer = options.pricer;
    this.guarded = options.guarded === true;
  }

  /** `running`, or how the run ended. */
  get outcome(): RunOutcome {
    return this.state;
  }

  /** Why the run ended, when it did not simply complete (a trip's message, an error). */
  get endReason(): string | undefined {
    return this.reason;
  }

  /** Epoch ms of the first call's start, or undefined before any call. */
  get startedAt(): number | undefined {
    return Number.isNaN(this.first) ? undefined : this.first;
  }

  /** Epoch ms of the last call's end, or undefined before any call. */
  get endedAt(): number | undefined {
    return Number.isNaN(this.last) ? undefined : this.last;
  }

  /** Validates, prices and adds a call. Throws `InvalidInputError` naming each bad field. */
  record(input: CallInput): CallRecord {
    if (this.guarded) {
      throw new TypeError(
        `run ${this.name} is guarded: record its calls with guard.beforeCall and ` +
          `guard.afterCall (or through the SDK middleware), so its policies see them`,
      );
    }
    if (!this.pricer) {
      throw new TypeError("Run.record needs a pricer: pass { pricer } or use add()");
    }

    const record = createRecord(input, this.pricer);
    this.add(record);
    return record;
  }

  /** Adds an already validated and priced record. The hot path: constant time, no I/O. */
  add(record: CallRecord): void {
    const end =
      record.startedAt === undefined ? this.clock.now() : record.startedAt + record.latencyMs;
    const start = end - record.latencyMs;

    if (!(start >= this.first)) this.first = start;
    if (!(end <= this.last)) this.last = end;

    addToAggregate(this.totals, record);
    addToAggregate(this.bucket(this.models, record.model), record);
    const tags = record.tags;
    for (const key of Object.keys(tags)) {
      let values = this.tagBreakdowns.get(key);
      if (!values) this.tagBreakdowns.set(key, (values = new Map()));
      addToAggregate(this.bucket(values, tags[key] as string), record);
    }

    this.latencies.push(record.latencyMs);
    this.kept?.push(record);
  }

  /**
   * Notes how far a pre-call prompt estimate was from the prompt the API reported, so the summary
   * can say how good the pre-call checks were (they are only as good as their estimates).
   */
  noteEstimate(estimatedPromptTokens: number, actualPromptTokens: number): void {
    if (actualPromptTokens <= 0) return;
    const error = (estimatedPromptTokens - actualPromptTokens) / actualPromptTokens;

    const stats = this.estimateErrors;
    stats.calls += 1;
    stats.sumAbs += Math.abs(error);
    stats.worstUnder = Math.min(stats.worstUnder, error);
    stats.worstOver = Math.max(stats.worstOver, error);
  }

  /**
   * The estimates noted so far: how many, the sum of their absolute relative errors, and the
   * worst under- and over-estimate (0 when there was none). Errors are positive when too high.
   */
  estimateErrorStats(): Readonly<{
    calls: number;
    sumAbs: number;
    worstUnder: number;
    worstOver: number;
  }> {
    return { ...this.estimateErrors };
  }

  /** Totals per model id, in order of first use. */
  byModel(): ReadonlyMap<string, Readonly<Aggregate>> {
    return this.models;
  }

  /** Totals per value of one tag key (e.g. `step`), in order of first use. */
  byTag(key: string): ReadonlyMap<string, Readonly<Aggregate>> {
    return this.tagBreakdowns.get(key) ?? new Map();
  }

  /** Every tag key seen on a call so far. */
  tagKeys(): string[] {
    return [...this.tagBreakdowns.keys()];
  }

  /** The records, in arrival order; empty when the run keeps only aggregates. */
  records(): readonly CallRecord[] {
    return this.kept ?? [];
  }

  /** Latencies in arrival order, sorted for percentiles. */
  sortedLatencies(): Float64Array {
    return this.latencies.sorted();
  }

  /** The summary as of now; a live run can be summarised any number of times. */
  summary(): RunSummary {
    return summarize(this);
  }

  /**
   * Ends the run and returns its summary. Ending twice keeps the first outcome, so a trip that
   * ends a run is not overwritten by the `finally` that completes it.
   */
  finish(outcome: Exclude<RunOutcome, "running"> = "completed", reason?: string): RunSummary {
    if (this.state === "running") {
      this.state = outcome;
      this.reason = reason;
    }
    return this.summary();
  }

  private bucket(map: Map<string, Aggregate>, key: string): Aggregate {
    let agg = map.get(key);
    if (!agg) map.set(key, (agg = emptyAggregate()));
    return agg;
  }
}
