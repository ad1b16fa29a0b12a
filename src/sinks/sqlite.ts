import Database from "better-sqlite3";

import { systemClock, type Clock } from "../clock.js";
import { moneyToUsd } from "../money.js";
import { callStartedAt, type CallRecord } from "../record/record.js";
import type { Run } from "../run/run.js";
import type { RunSummary } from "../run/summary.js";
import { reportSinkError, SinkWriteError, type SinkErrorHandler } from "./errors.js";
import type { Sink } from "./sink.js";
import { SQLITE_SCHEMA } from "./sqlite-schema.js";

export { COST_BY_STEP_QUERY, SQLITE_SCHEMA } from "./sqlite-schema.js";

export interface SqliteSinkOptions {
  /**
   * A database file (created with the tables when missing, and put in WAL mode), or a
   * better-sqlite3 `Database` you opened, whose tables are created when missing.
   */
  database: string | Database.Database;
  /** Receives each failed batch. Default: failures are dropped (the agent never sees them). */
  onError?: SinkErrorHandler;
  /** Time source for `started_at` of calls recorded without one. Default: the system clock. */
  clock?: Clock;
  /** Most calls held between batches; calls past it are reported lost. Default 10,000. */
  maxQueued?: number;
}

type Op =
  | { kind: "call"; run: Run; record: CallRecord; seq: number; endedAt: number }
  | { kind: "end"; run: Run; summary: RunSummary };

/**
 * Stores runs and calls in SQLite (schema: `SQLITE_SCHEMA`). better-sqlite3 is synchronous, so
 * writes are queued and stored together in one transaction on the next turn of the event loop
 * (`setImmediate`), never inside the agent's call. The constructor throws when the database cannot
 * be opened; after that, failures go to `onError`.
 */
export class SqliteSink implements Sink {
  readonly db: Database.Database;
  private readonly owned: boolean;
  private readonly onError: SinkErrorHandler | undefined;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly ids = new WeakMap<Run, number>();
  private readonly statements;
  private queue: Op[] = [];
  private calls = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(options: SqliteSinkOptions) {
    this.owned = typeof options.database === "string";
    this.db =
      typeof options.database === "string" ? new Database(options.database) : options.database;
    if (this.owned) this.db.pragma("journal_mode = WAL");
    this.db.exec(SQLITE_SCHEMA);
    if (this.db.pragma("user_version", { simple: true }) === 0) this.db.pragma("user_version = 1");

    this.onError = options.onError;
    this.clock = options.clock ?? systemClock;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.statements = {
      run: this.db.prepare(
        "INSERT INTO runs (run_id, name, tags, outcome) VALUES (?, ?, ?, 'running')",
      ),
      end: this.db.prepare(
        `UPDATE runs SET outcome = @outcome, end_reason = @end_reason, started_at = @started_at,
           ended_at = @ended_at, calls = @calls, cost_units = @cost_units, cost_usd = @cost_usd,
           unpriced_calls = @unpriced_calls WHERE id = @id`,
      ),
      call: this.db.prepare(
        `INSERT INTO calls VALUES (NULL, @run, @seq, @model, @step, @input_tokens, @output_tokens,
           @cache_read_tokens, @cache_write_5m_tokens, @cache_write_1h_tokens,
           @web_search_requests, @web_fetch_requests, @service_tier, @speed, @inference_geo,
           @cost_units, @cost_usd, @cost_source, @partial, @latency_ms, @started_at, @tags,
           @tools)`,
      ),
    };
  }

  write(run: Run, record: CallRecord): void {
    if (this.closed || this.calls >= this.maxQueued) {
      const reason = this.closed ? "the sink is closed" : `${this.maxQueued} calls already queued`;
      return this.fail(1, new Error(reason));
    }

    // The run has counted this call already, so its total is the call's index.
    this.queue.push({
      kind: "call",
      run,
      record,
      seq: run.totals.calls,
      endedAt: this.clock.now(),
    });
    this.calls += 1;
    this.schedule();
  }

  end(run: Run, summary: RunSummary): void {
    if (this.closed) return;
    this.queue.push({ kind: "end", run, summary });
    this.schedule();
  }

  flush(): Promise<void> {
    // Immediates run in the order they were set, so this one runs after the pending batch.
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => setImmediate(resolve));
  }

  flushSync(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.queue.length === 0) return;

    const ops = this.queue;
    const calls = this.calls;
    this.queue = [];
    this.calls = 0;
    const added: Run[] = [];

    try {
      this.db.transaction(() => {
        for (const op of ops) this.apply(op, added);
      })();
    } catch (cause) {
      // The transaction rolled back: runs first seen in it have no row any more.
      for (const run of added) this.ids.delete(run);
      this.fail(calls, cause);
    }
  }

  async close(): Promise<void> {
    this.flushSync();
    this.closed = true;
    if (this.owned && this.db.open) this.db.close();
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => this.flushSync());
  }

  private apply(op: Op, added: Run[]): void {
    const id = this.runId(op.run, added);
    if (op.kind === "end") {
      const { summary } = op;
      this.statements.end.run({
        id,
        outcome: summary.outcome,
        end_reason: summary.end_reason ?? null,
        started_at: summary.started_at,
        ended_at: summary.ended_at,
        calls: summary.calls,
        cost_units: op.run.totals.cost,
        cost_usd: moneyToUsd(op.run.totals.cost),
        unpriced_calls: summary.unpriced_calls,
      });
      return;
    }

    const { record } = op;
    const usage = record.usage;
    this.statements.call.run({
      run: id,
      seq: op.seq,
      model: record.model,
      step: record.tags.step ?? null,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens,
      cache_write_5m_tokens: usage.cacheWrite5mTokens,
      cache_write_1h_tokens: usage.cacheWrite1hTokens,
      web_search_requests: usage.webSearchRequests,
      web_fetch_requests: usage.webFetchRequests,
      service_tier: usage.serviceTier ?? null,
      speed: usage.speed ?? null,
      inference_geo: usage.inferenceGeo ?? null,
      cost_units: record.cost,
      cost_usd: record.cost === null ? null : moneyToUsd(record.cost),
      cost_source: record.costSource,
      partial: record.partial ? 1 : 0,
      latency_ms: record.latencyMs,
      started_at: new Date(callStartedAt(record, op.endedAt)).toISOString(),
      tags: JSON.stringify(record.tags),
      tools: JSON.stringify(record.toolUses.map((use) => use.name)),
    });
  }

  /** The run's row, inserted on first sight: run ids repeat across processes, rows do not. */
  private runId(run: Run, added: Run[]): number {
    const known = this.ids.get(run);
    if (known !== undefined) return known;

    const info = this.statements.run.run(run.id, run.name, JSON.stringify(run.tags));
    const id = Number(info.lastInsertRowid);
    this.ids.set(run, id);
    added.push(run);
    return id;
  }

  private fail(lost: number, cause: unknown): void {
    const error = new SinkWriteError({ sink: "sqlite", target: this.db.name, lost, cause });
    reportSinkError(this.onError, error);
  }
}
