import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { defaultPricer } from "../../src/pricing/index.js";
import { readRecording } from "../../src/readers/read.js";
import { formatTextReport } from "../../src/report/text.js";
import { Run } from "../../src/run/run.js";
import type { RunSummary } from "../../src/run/summary.js";
import { fixture } from "../helpers.js";

async function summaryOf(file: string): Promise<RunSummary> {
  const recording = await readRecording(fixture(file), defaultPricer);
  expect(recording.issues).toEqual([]);
  expect(recording.runs).toHaveLength(1);

  const recorded = recording.runs[0]!;
  const run = new Run(recorded.name);
  for (const record of recorded.records) run.add(record);
  return run.finish();
}

describe("the article's two runs", () => {
  it("reports the runaway run's exact figures", async () => {
    const s = await summaryOf("scenarios/seed-runaway.jsonl");

    expect(s.calls).toBe(11);
    expect(s.cost_usd).toBe(4.2031);
    expect(s.duration_ms).toBe(38_400);
    expect(s.latency_ms.p50).toBe(2710);
    expect(s.latency_ms.p95).toBe(4920);
    expect(s.by_model["claude-opus-4-7"]).toMatchObject({
      calls: 9,
      cost_usd: 4.188,
      avg_input_tokens: 18_420,
      avg_output_tokens: 540,
    });
    expect(s.by_model["claude-haiku-4"]).toMatchObject({
      calls: 2,
      cost_usd: 0.0151,
      avg_input_tokens: 1200,
      avg_output_tokens: 180,
    });
    expect(s.by_tag.step).toMatchObject({
      search: { calls: 1, cost_usd: 0.0184 },
      summarize: { calls: 1, cost_usd: 0.0312 },
      cite_check: { calls: 9, cost_usd: 4.1535 },
    });
  });

  it("reports the fixed run's exact figures", async () => {
    const s = await summaryOf("scenarios/seed-fixed.jsonl");

    expect(s.calls).toBe(5);
    expect(s.cost_usd).toBe(0.1432);
    expect(s.duration_ms).toBe(11_200);
    expect(s.latency_ms.p50).toBe(2200);
    expect(s.latency_ms.p95).toBe(3050);
    expect(s.by_model["claude-opus-4-7"]).toMatchObject({ calls: 3, cost_usd: 0.129 });
    expect(s.by_model["claude-haiku-4"]).toMatchObject({ calls: 2, cost_usd: 0.0142 });
    expect(s.by_tag.step).toMatchObject({
      search: { calls: 1, cost_usd: 0.0181 },
      summarize: { calls: 1, cost_usd: 0.0308 },
      cite_check: { calls: 3, cost_usd: 0.0943 },
    });
  });

  it("prints the text report in the article's layout", async () => {
    const text = formatTextReport(await summaryOf("scenarios/seed-runaway.jsonl"));

    expect(text).toBe(
      [
        "run: cite-check-agent",
        "duration: 38.4s",
        "total cost usd: 4.2031",
        "calls: 11",
        "p50 latency ms: 2710",
        "p95 latency ms: 4920",
        "p99 latency ms: 5304",
        "by-model:",
        "  claude-opus-4-7: 9 calls $4.1880 avg input tok: 18,420 avg output tok: 540",
        "  claude-haiku-4: 2 calls $0.0151 avg input tok: 1,200 avg output tok: 180",
        "by-step:",
        "  step 1 search: 1 call $0.0184 1,800 in 220 out",
        "  step 2 summarize: 1 call $0.0312 3,100 in 280 out",
        "  step 3 cite_check: 9 calls $4.1535 avg 18,142 in avg 524 out",
        "",
      ].join("\n"),
    );
  });
});

describe("a real Claude Code session", () => {
  it("counts each API request once, with its last usage", async () => {
    const s = await summaryOf("real/trace_claude_code_opus45_session.jsonl");

    expect(s.calls).toBe(100);
    expect(s.cost_usd).toBe(10.58909675);
    expect(s.unpriced_calls).toBe(0);
  });
});

describe("agenttrace report (the CLI, built)", () => {
  const cli = fixture("../../dist/cli.js");

  it("prints the seed runs' figures as JSON", () => {
    const out = execFileSync("node", [
      cli,
      "report",
      "--json",
      fixture("scenarios/seed-runaway.jsonl"),
      fixture("scenarios/seed-fixed.jsonl"),
    ]).toString();
    const { runs } = JSON.parse(out) as { runs: RunSummary[] };

    expect(runs.map((r) => [r.calls, r.cost_usd, r.duration_ms])).toEqual([
      [11, 4.2031, 38_400],
      [5, 0.1432, 11_200],
    ]);
    expect(runs[0]!.latency_ms).toMatchObject({ p50: 2710, p95: 4920 });
    expect(runs[1]!.latency_ms).toMatchObject({ p50: 2200, p95: 3050 });
    expect(runs[0]!.by_tag.step!.cite_check).toMatchObject({ calls: 9, cost_usd: 4.1535 });
  });
});
