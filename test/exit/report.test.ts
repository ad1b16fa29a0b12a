import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import { isReportWriteError, type ReportWriteError } from "../../src/exit/errors.js";
import { reportOnExit } from "../../src/exit/report-on-exit.js";
import type { ExitReport } from "../../src/exit/writer.js";
import { formatTextReport } from "../../src/report/text.js";
import type { RunSummary } from "../../src/run/summary.js";
import { agentCall, nthCall, stubPricer } from "../fixtures/production/agent.js";

let dir: string;
const disposers: Array<() => void> = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agenttrace-report-"));
});
afterEach(() => {
  disposers.splice(0).forEach((dispose) => dispose());
  rmSync(dir, { recursive: true, force: true });
});

function guard(policy = {}): Guard {
  return new Guard({ pricer: stubPricer, policy, clock: new ManualClock() });
}

async function twoCalls(g: Guard, name = "research"): Promise<void> {
  await g.run(name, async (run) => {
    await agentCall(g, run, nthCall(1));
    await agentCall(g, run, nthCall(2));
  });
}

describe("reportOnExit", () => {
  it("writes a completed run's text report to a file", async () => {
    const g = guard();
    const file = join(dir, "reports.txt");
    const summaries: RunSummary[] = [];
    g.on("runEnd", ({ summary }) => summaries.push(summary));
    disposers.push(reportOnExit(g, { to: file }));

    await twoCalls(g);

    const text = readFileSync(file, "utf8");
    expect(text).toBe(formatTextReport(summaries[0]!) + "\n");
    // $3 / $15 per million: 1,001 in + 101 out + 10 cached is $0.004521, the second $0.004542.
    expect(text).toBe(
      [
        "run: research",
        "duration: 1.5s",
        "total cost usd: 0.0091",
        "calls: 2",
        "p50 latency ms: 501.5",
        "p95 latency ms: 501.9",
        "p99 latency ms: 502.0",
        "by-model:",
        "  claude-sonnet-4-5: 2 calls $0.0091 avg input tok: 1,017 avg output tok: 102",
        "by-step:",
        "  step 1 search: 1 call $0.0045 1,011 in 101 out",
        "  step 2 summarize: 1 call $0.0045 1,022 in 102 out",
        "",
        "",
      ].join("\n"),
    );
    expect(summaries[0]!.cost_usd).toBe(0.009063);
  });

  it("says a run was tripped, and by what", async () => {
    const g = guard({ maxCalls: 2 });
    const reports: ExitReport[] = [];
    disposers.push(reportOnExit(g, { to: (report) => reports.push(report), format: "json" }));

    const loop = g.run("runaway", async (run) => {
      for (let n = 1; ; n++) await agentCall(g, run, nthCall(n));
    });
    await expect(loop).rejects.toThrow(/made call 3 of at most 2/);

    expect(reports).toHaveLength(1);
    const { summary, text } = reports[0]!;
    expect(summary).toMatchObject({ outcome: "tripped", calls: 2 });
    expect(summary.end_reason).toMatch(/^run made call 3 of at most 2 \(policy maxCalls\)/);
    expect(JSON.parse(text)).toEqual(summary);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("says a run failed when the agent threw, in text and JSON with `both`", async () => {
    const g = guard();
    const out = new PassThrough();
    let written = "";
    out.on("data", (chunk) => (written += chunk));
    disposers.push(reportOnExit(g, { to: out, format: "both" }));

    const loop = g.run("fragile", async (run) => {
      await agentCall(g, run, nthCall(1));
      throw new Error("the agent's tool crashed");
    });
    await expect(loop).rejects.toThrow("the agent's tool crashed");

    const [text, json] = written.split(/\n(?=\{)/) as [string, string];
    expect(text).toContain("run: fragile\noutcome: failed (the agent's tool crashed)\n");
    expect(JSON.parse(json)).toMatchObject({ outcome: "failed", calls: 1 });
    expect(written.endsWith("}\n\n")).toBe(true);
  });

  it("reports a destination it cannot write to, and the agent goes on", async () => {
    const g = guard();
    const errors: ReportWriteError[] = [];
    const file = join(dir, "no-such-folder", "reports.txt");
    disposers.push(reportOnExit(g, { to: file, onError: (e) => errors.push(e) }));

    await twoCalls(g, "unheard");

    expect(errors).toHaveLength(1);
    expect(isReportWriteError(errors[0])).toBe(true);
    expect(errors[0]!.message).toMatch(
      /^the report of run unheard \([0-9a-f-]{36}\) could not be written to .*reports\.txt: ENOENT/,
    );
  });

  it("installs signal handlers only when asked, and removes them when disposed", () => {
    const before = process.listenerCount("SIGTERM");
    const g = guard();

    const quiet = reportOnExit(g, { to: () => {} });
    expect(process.listenerCount("SIGTERM")).toBe(before);
    quiet();

    const loud = reportOnExit(g, { to: () => {}, signals: ["SIGTERM"] });
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    expect(process.listenerCount("SIGINT")).toBe(0);
    loud();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("stops reporting once disposed", async () => {
    const g = guard();
    const reports: ExitReport[] = [];
    reportOnExit(g, { to: (r) => reports.push(r) })();

    await twoCalls(g);
    expect(reports).toEqual([]);
  });
});

describe("reportOnExit options", () => {
  it("are checked when configured, naming each bad one", () => {
    const guard = new Guard({ pricer: stubPricer });
    expect(() => reportOnExit(guard, { format: "xml" } as never)).toThrow(
      /invalid reportOnExit options: to: must be a file path, a writable stream or a .*; format/,
    );
  });
});
