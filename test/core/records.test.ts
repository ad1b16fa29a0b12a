import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError, isInvalidInputError } from "../../src/errors.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { readRecording } from "../../src/readers/read.js";
import { createRecord } from "../../src/record/record.js";
import { ManualClock } from "../../src/clock.js";
import { Run } from "../../src/run/run.js";
import { toCallLine } from "../../src/sinks/call-line.js";

function problems(input: unknown): string[] {
  try {
    createRecord(input, defaultPricer);
  } catch (error) {
    expect(isInvalidInputError(error)).toBe(true);
    return (error as InvalidInputError).issues.map((i) => `${i.path}=${JSON.stringify(i.value)}`);
  }
  throw new Error("expected the record to be refused");
}

const good = {
  model: "claude-sonnet-4-5",
  usage: { input_tokens: 10, output_tokens: 5 },
  latencyMs: 100,
};

describe("call records", () => {
  it("refuses negative, fractional and non-numeric token counts, naming field and value", () => {
    expect(problems({ ...good, usage: { input_tokens: -1, output_tokens: 5 } })).toEqual([
      "usage.input_tokens=-1",
    ]);
    expect(problems({ ...good, usage: { input_tokens: 1.5, output_tokens: 5 } })).toEqual([
      "usage.input_tokens=1.5",
    ]);
    expect(problems({ ...good, usage: { input_tokens: "ten", output_tokens: 5 } })).toEqual([
      'usage.input_tokens="ten"',
    ]);
  });

  it("refuses a missing model and reports every problem at once", () => {
    const issues = problems({ usage: { input_tokens: -2 }, latencyMs: -1 });
    expect(issues).toEqual(["model=undefined", "usage.input_tokens=-2", "latencyMs=-1"]);
  });

  it("says what is wrong in its message", () => {
    expect(() => createRecord({ ...good, model: "" }, defaultPricer)).toThrow(
      /invalid call record: model: a model id is required/,
    );
  });

  it("tolerates unknown extra fields, in the record and in usage", () => {
    const record = createRecord(
      { ...good, extra: 1, usage: { ...good.usage, brand_new_field: { x: 1 } } },
      defaultPricer,
    );
    expect(record.usage.inputTokens).toBe(10);
  });

  it("keeps an unknown model's tokens and flags it unpriced, never $0", () => {
    const record = createRecord({ ...good, model: "gpt-9-turbo" }, defaultPricer);
    expect(record.cost).toBeNull();
    expect(record.costSource).toBe("unpriced");

    const run = new Run("r", { clock: new ManualClock() });
    run.add(record);
    expect(run.summary()).toMatchObject({ calls: 1, unpriced_calls: 1, cost_usd: 0 });
    expect(run.summary().tokens.input).toBe(10);
  });

  it("lets a given cost win over the price table", () => {
    const record = createRecord({ ...good, costUsd: 0.5 }, defaultPricer);
    expect(record.costSource).toBe("given");
    expect(record.cost).toBe(5_000_000_000);
  });

  it("treats cache writes without a TTL breakdown as 5-minute writes", () => {
    const record = createRecord(
      { ...good, usage: { input_tokens: 1, cache_creation_input_tokens: 400, output_tokens: 1 } },
      defaultPricer,
    );
    expect(record.usage.cacheWrite5mTokens).toBe(400);
    expect(record.usage.cacheWrite1hTokens).toBe(0);
  });
});

describe("reading a recording with bad lines", () => {
  it("reports each bad line with its number and still reads the rest", async () => {
    const file = join(tmpdir(), `agenttrace-bad-${process.pid}.jsonl`);
    const ok = (n: number) =>
      JSON.stringify({
        run: "r",
        model: "claude-sonnet-4-5",
        usage: { input_tokens: n, output_tokens: 1 },
        latency_ms: 10,
      });
    writeFileSync(
      file,
      [
        ok(1),
        '{"run":"r","model":"claude-sonnet-4-5","usage":{"input_tokens":-5},"latency_ms":1}',
        "not json at all",
        ok(2),
        '{"run":"r","model":"claude-son', // a torn last line, as a crash leaves it
      ].join("\n"),
    );

    const recording = await readRecording(file, defaultPricer);

    expect(recording.runs[0]!.records).toHaveLength(2);
    expect(recording.issues.map((i) => i.line)).toEqual([2, 3, 5]);
    expect(recording.issues[0]!.message).toMatch(/usage\.input_tokens: must be >= 0 \(got -5\)/);
    expect(recording.issues[1]!.message).toMatch(/not valid JSON/);
  });

  it("names fields as the file spells them", async () => {
    const file = join(tmpdir(), `agenttrace-names-${process.pid}.jsonl`);
    writeFileSync(file, '{"run":"r","model":"m","usage":{},"latency_ms":"slow"}\n');

    const recording = await readRecording(file, defaultPricer);
    expect(recording.issues[0]!.message).toMatch(/latency_ms: .*\(got "slow"\)/);
  });
});

describe("reading a Claude Code transcript", () => {
  it("counts a request once with its last usage, and reports a bad one by line", async () => {
    const file = join(tmpdir(), `agenttrace-cc-${process.pid}.jsonl`);
    const line = (requestId: string, usage: object, at: string, type = "assistant") =>
      JSON.stringify({
        type,
        sessionId: "s-1",
        requestId,
        timestamp: at,
        message: { id: `msg-${requestId}`, model: "claude-sonnet-4-5", usage, content: [] },
      });
    writeFileSync(
      file,
      [
        JSON.stringify({ type: "user", sessionId: "s-1", timestamp: "2026-01-01T00:00:00Z" }),
        line("r1", { input_tokens: 10, output_tokens: 3 }, "2026-01-01T00:00:02Z"),
        line("r1", { input_tokens: 10, output_tokens: 300 }, "2026-01-01T00:00:05Z"),
        line("r2", { input_tokens: -4, output_tokens: 1 }, "2026-01-01T00:00:06Z"),
      ].join("\n"),
    );

    const recording = await readRecording(file, defaultPricer);

    expect(recording.format).toBe("claude-code");
    expect(recording.runs[0]!.records).toHaveLength(1);
    expect(recording.runs[0]!.records[0]!.usage.outputTokens).toBe(300);
    expect(recording.runs[0]!.records[0]!.latencyMs).toBe(5000);
    expect(recording.issues).toMatchObject([{ line: 4 }]);
    expect(recording.issues[0]!.message).toMatch(/usage\.input_tokens: must be >= 0/);
  });
});

describe("reading back a sink's trace", () => {
  it("keeps two runs of the same name apart by their run ids", async () => {
    const file = join(tmpdir(), `agenttrace-ids-${process.pid}.jsonl`);
    const runs = [new Run("agent"), new Run("agent", { tags: { tenant: "acme" } })];
    const record = createRecord(good, defaultPricer);
    const lines = [runs[0]!, runs[1]!, runs[0]!].map((run) =>
      JSON.stringify(toCallLine(run, record, 1_000_000)),
    );
    writeFileSync(file, lines.join("\n") + "\n");

    const recording = await readRecording(file, defaultPricer);

    expect(recording.issues).toEqual([]);
    expect(recording.runs.map((r) => [r.name, r.records.length, r.tags])).toEqual([
      ["agent", 2, {}],
      ["agent", 1, { tenant: "acme" }],
    ]);
  });
});
