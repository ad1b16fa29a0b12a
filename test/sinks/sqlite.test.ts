import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import { moneyToUsd } from "../../src/money.js";
import { promptTokens } from "../../src/record/usage.js";
import type { Run } from "../../src/run/run.js";
import type { RunSummary } from "../../src/run/summary.js";
import type { SinkWriteError } from "../../src/sinks/errors.js";
import { attachSink } from "../../src/sinks/sink.js";
import { COST_BY_STEP_QUERY, SQLITE_SCHEMA, SqliteSink } from "../../src/sinks/sqlite.js";
import { agentCall, nthCall, stubPricer } from "../fixtures/production/agent.js";

const DAY = 86_400_000;

interface Expected {
  calls: number;
  units: number;
  unpriced: number;
  prompt: number;
  output: number;
}
const NOW = Date.UTC(2025, 5, 5);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agenttrace-sqlite-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Two runs (one with an unpriced, partial call) and one call from two weeks ago. */
async function recordRuns(sink: SqliteSink) {
  const guard = new Guard({ pricer: stubPricer, clock: new ManualClock(NOW) });
  attachSink(guard, sink, { flushOnExit: false });
  const summaries: RunSummary[] = [];
  guard.on("runEnd", ({ summary }) => summaries.push(summary));
  const runs: Run[] = [];

  await guard.run("research", async (run) => {
    runs.push(run);
    for (let n = 1; n <= 7; n++) await agentCall(guard, run, nthCall(n));
    await agentCall(guard, run, { ...nthCall(8), model: "unknown-model", partial: true });
  });
  await guard.run("research", async (run) => {
    runs.push(run);
    await agentCall(guard, run, nthCall(3));
    await agentCall(guard, run, { ...nthCall(4), startedAt: NOW - 14 * DAY });
  });
  await sink.flush();
  return { runs, summaries };
}

describe("the SQLite sink", () => {
  it("round-trips runs: the stored totals match each run's summary exactly", async () => {
    const sink = new SqliteSink({ database: join(dir, "runs.db") });
    const { summaries } = await recordRuns(sink);

    const rows = sink.db
      .prepare(
        `SELECT r.name, r.outcome, r.calls AS run_calls, r.cost_units AS run_units,
                count(c.id) AS calls, sum(c.cost_units) AS units,
                sum(c.cost_units IS NULL) AS unpriced, sum(c.partial) AS partial,
                sum(c.input_tokens) AS input, sum(c.output_tokens) AS output,
                sum(c.cache_read_tokens) AS cache_read, min(c.started_at) AS first
         FROM runs r JOIN calls c ON c.run = r.id GROUP BY r.id ORDER BY r.id`,
      )
      .all() as Array<Record<string, number | string>>;

    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      const summary = summaries[i]!;
      expect(row).toMatchObject({
        name: "research",
        outcome: "completed",
        calls: summary.calls,
        run_calls: summary.calls,
        unpriced: summary.unpriced_calls,
        partial: summary.partial_calls,
        input: summary.tokens.input,
        output: summary.tokens.output,
        cache_read: summary.tokens.cache_read,
        first: summary.started_at,
      });
      expect(row.units).toBe(row.run_units);
      expect(moneyToUsd(row.units as number)).toBe(summary.cost_usd);
    });
    await sink.close();
  });

  it("answers the documented cost-by-step query with the runs' exact weekly totals", async () => {
    const db = new Database(":memory:");
    const sink = new SqliteSink({ database: db });
    const { runs } = await recordRuns(sink);

    const week = {
      since: new Date(NOW - 7 * DAY).toISOString(),
      until: new Date(NOW).toISOString(),
    };
    const rows = db.prepare(COST_BY_STEP_QUERY).all(week);

    // Expected: the runs' own per-step totals, less the call from two weeks ago (a `search`).
    const expected = new Map<string, Expected>();
    for (const run of runs) {
      for (const [step, agg] of run.byTag("step")) {
        const e = expected.get(step) ?? { calls: 0, units: 0, unpriced: 0, prompt: 0, output: 0 };
        expected.set(step, {
          calls: e.calls + agg.calls,
          units: e.units + agg.cost,
          unpriced: e.unpriced + agg.unpricedCalls,
          prompt: e.prompt + promptTokens(agg),
          output: e.output + agg.outputTokens,
        });
      }
    }
    const old = runs[1]!.records()[1]!;
    const search = expected.get("search")!;
    search.calls -= 1;
    search.units -= old.cost!;
    search.prompt -= promptTokens(old.usage);
    search.output -= old.usage.outputTokens;

    const want = [...expected]
      .map(([step, e]) => ({
        step,
        calls: e.calls,
        cost_units: e.units,
        cost_usd: moneyToUsd(e.units),
        unpriced_calls: e.unpriced,
        prompt_tokens: e.prompt,
        output_tokens: e.output,
      }))
      .sort((a, b) => b.cost_units - a.cost_units || (a.step < b.step ? -1 : 1));
    expect(rows).toEqual(want);
    // cite_check (calls 3, 6, 3) ties search (1, 4, 7); summarize has an unpriced call.
    expect(rows.map((r) => (r as { step: string }).step)).toEqual([
      "cite_check",
      "search",
      "summarize",
    ]);
    await sink.close();
    db.close();
  });

  it("documents exactly the schema and the query it ships", () => {
    const docs = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
    expect(docs).toContain(SQLITE_SCHEMA.trim());
    expect(docs).toContain(COST_BY_STEP_QUERY);
  });

  it("writes nothing during the agent's call, and the batch on the next turn", async () => {
    const sink = new SqliteSink({ database: ":memory:" });
    const guard = new Guard({ pricer: stubPricer, clock: new ManualClock(NOW) });
    attachSink(guard, sink, { flushOnExit: false });
    const count = () => sink.db.prepare("SELECT count(*) AS n FROM calls").get() as { n: number };

    const run = guard.startRun("lazy");
    const first = agentCall(guard, run, nthCall(1));
    await first;
    expect(count().n).toBe(0);

    await sink.flush();
    expect(count().n).toBe(1);
    await sink.close();
  });

  it("reports a failed batch as an error event, and the agent goes on", async () => {
    const errors: SinkWriteError[] = [];
    const sink = new SqliteSink({ database: ":memory:", onError: (e) => errors.push(e) });
    sink.db.exec(
      "CREATE TRIGGER full BEFORE INSERT ON calls BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    const guard = new Guard({ pricer: stubPricer, clock: new ManualClock(NOW) });
    attachSink(guard, sink, { flushOnExit: false });

    await guard.run("unlucky", async (run) => {
      await agentCall(guard, run, nthCall(1));
      await agentCall(guard, run, nthCall(2));
    });
    await sink.flush();

    expect(errors.map((e) => [e.name, e.lost])).toEqual([["SinkWriteError", 2]]);
    expect(errors[0]!.message).toMatch(
      /^sqlite sink could not write 2 calls to :memory:: disk full/,
    );
    // The rolled-back run row is not left behind, nor remembered.
    expect(sink.db.prepare("SELECT count(*) AS n FROM runs").get()).toEqual({ n: 0 });
    await sink.close();
  });
});
