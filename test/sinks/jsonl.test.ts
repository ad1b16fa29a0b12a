import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import { createRecord, type CallRecord } from "../../src/record/record.js";
import { readRecording } from "../../src/readers/read.js";
import { isSinkWriteError, type SinkWriteError } from "../../src/sinks/errors.js";
import { JsonlSink } from "../../src/sinks/jsonl.js";
import { attachSink } from "../../src/sinks/sink.js";
import { agentCall, nthCall, stubPricer } from "../fixtures/production/agent.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agenttrace-jsonl-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function guard(): Guard {
  return new Guard({ pricer: stubPricer, clock: new ManualClock(Date.UTC(2025, 5, 2, 12)) });
}

describe("the JSONL sink", () => {
  it("writes every call as a call line that readRecording reads back exactly", async () => {
    const g = guard();
    const path = join(dir, "trace.jsonl");
    const sink = new JsonlSink({ path });
    attachSink(g, sink, { flushOnExit: false });

    const run = g.startRun("research", { tags: { tenant: "acme" } });
    for (let n = 1; n <= 5; n++) await agentCall(g, run, nthCall(n));
    await agentCall(g, run, { ...nthCall(6), model: "unknown-model", partial: true });
    const summary = g.finishRun(run);
    await sink.close();

    const recording = await readRecording(path, stubPricer);
    expect(recording.issues).toEqual([]);
    expect(recording.runs).toHaveLength(1);
    expect(recording.runs[0]!.name).toBe("research");

    // Every field survives: usage, exact cost, latency, start time, tags, tools, partial.
    const back = recording.runs[0]!.records.map(({ costSource, ...rest }) => rest);
    const sent = run.records().map(({ costSource, ...rest }) => rest);
    expect(back).toEqual(sent);
    expect(back[5]).toMatchObject({ cost: null, partial: true });

    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ run_id: run.id, run_tags: { tenant: "acme" } });
    expect(lines[5]).not.toHaveProperty("cost_usd");
    expect(lines[5]).toMatchObject({ cost_source: "unpriced", partial: true });
    expect(summary).toMatchObject({ calls: 6, unpriced_calls: 1, partial_calls: 1 });
  });

  it("stamps calls recorded without a start time from the sink's clock", async () => {
    const path = join(dir, "trace.jsonl");
    const clock = new ManualClock(Date.UTC(2025, 0, 1, 0, 0, 10));
    const sink = new JsonlSink({ path, clock });
    const g = guard();
    attachSink(g, sink, { flushOnExit: false });

    const run = g.startRun("untimed");
    const { startedAt, ...untimed } = nthCall(1);
    await agentCall(g, run, { ...untimed, latencyMs: 2500 });
    await sink.close();

    const line = JSON.parse(readFileSync(path, "utf8"));
    expect(line.started_at).toBe("2025-01-01T00:00:07.500Z");
  });

  it("closes off a torn last line left by a crash, so only that line is lost", async () => {
    const path = join(dir, "trace.jsonl");
    const whole = JSON.stringify({ run: "before", model: "m", usage: {}, latency_ms: 1 });
    writeFileSync(path, `${whole}\n{"run":"before","model":"claude-son`);

    const g = guard();
    const sink = new JsonlSink({ path });
    attachSink(g, sink, { flushOnExit: false });
    const run = g.startRun("after");
    await agentCall(g, run, nthCall(1));
    await agentCall(g, run, nthCall(2));
    await sink.close();

    const recording = await readRecording(path, stubPricer);
    expect(recording.issues).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringContaining("not valid JSON") }),
    ]);
    expect(recording.runs.map((r) => [r.name, r.records.length])).toEqual([
      ["before", 1],
      ["after", 2],
    ]);
  });

  it("reports a file it cannot write to as an error event, and the agent goes on", async () => {
    const errors: SinkWriteError[] = [];
    const path = join(dir, "missing-folder", "trace.jsonl");
    const sink = new JsonlSink({ path, onError: (e) => errors.push(e) });
    const g = guard();
    attachSink(g, sink, { flushOnExit: false });

    const run = g.startRun("unlucky");
    await agentCall(g, run, nthCall(1));
    await agentCall(g, run, nthCall(2));
    await sink.flush();
    const summary = g.finishRun(run);
    await sink.close();

    expect(summary).toMatchObject({ outcome: "completed", calls: 2 });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(isSinkWriteError)).toBe(true);
    expect(errors.reduce((sum, e) => sum + e.lost, 0)).toBe(2);
    expect(errors[0]!.message).toMatch(
      /^jsonl sink could not write 1 call to .*trace\.jsonl: ENOENT/,
    );
  });

  it("bounds what it holds while the file lags, and counts what it drops", async () => {
    const errors: SinkWriteError[] = [];
    const sink = new JsonlSink({
      path: join(dir, "t.jsonl"),
      maxQueued: 2,
      onError: (e) => errors.push(e),
    });
    const g = guard();
    const run = g.startRun("burst");
    const record = await agentCall(g, run, nthCall(1));

    // The first write starts at once; the next two wait for it, the fourth finds the queue full.
    for (let i = 0; i < 4; i++) sink.write(run, record);
    await sink.close();
    sink.write(run, record);

    expect(errors.map((e) => e.message.split(": ").at(-1))).toEqual([
      "2 calls already queued; check the path's permissions and free space",
      "the sink is closed; check the path's permissions and free space",
    ]);
    const recording = await readRecording(join(dir, "t.jsonl"), stubPricer);
    expect(recording.runs[0]!.records).toHaveLength(3);
  });

  it("stores what is queued synchronously, for process exit", () => {
    const path = join(dir, "sync.jsonl");
    const sink = new JsonlSink({ path });
    const run = guard().startRun("exiting");

    // The first write's batch is still waiting for the file to open: flushSync takes it back.
    sink.write(run, fakeRecord());
    sink.write(run, fakeRecord());
    sink.flushSync();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
  });
});

function fakeRecord(): CallRecord {
  return createRecord(nthCall(1), stubPricer);
}
