import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { readRecording } from "../../src/readers/read.js";
import { stubPricer } from "../fixtures/production/agent.js";
import { buildChild, exited, startChild, waitForMessage } from "../fixtures/production/child.js";

let bundle: string;
let dir: string;
beforeAll(async () => {
  bundle = await buildChild();
  dir = mkdtempSync(join(tmpdir(), "agenttrace-signals-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child agent in `mode` and returns how it ended, its report and its trace. */
async function runChild(mode: string, signal?: NodeJS.Signals) {
  const trace = join(dir, `${mode}-${signal ?? "none"}.jsonl`);
  const report = join(dir, `${mode}-${signal ?? "none"}.txt`);
  const child = startChild(bundle, [mode, trace, report]);

  if (signal) {
    await waitForMessage(child, (m) => m.waiting === true);
    child.kill(signal);
  }
  const end = await exited(child);

  const text = readFileSync(report, "utf8");
  const json = JSON.parse(text.split("\n").find((line) => line.startsWith("{"))!);
  const recording = await readRecording(trace, stubPricer);
  return { end, text, json, calls: recording.runs[0]?.records.length ?? 0 };
}

describe("a report on every exit", () => {
  it("is written on SIGTERM, which ends the live run as interrupted and exits 143", async () => {
    const { end, text, json, calls } = await runChild("term", "SIGTERM");

    expect(end).toEqual({ code: 143, signal: null });
    expect(text).toMatch(/^run: child-agent\noutcome: interrupted \(received SIGTERM\)\n/);
    expect(text).toContain("\ncalls: 5\n");
    expect(json).toMatchObject({
      run: "child-agent",
      tags: { tenant: "acme" },
      outcome: "interrupted",
      end_reason: "received SIGTERM",
      calls: 5,
    });
    expect(calls).toBe(5);
  });

  it("is written on SIGINT, and the process exits 130", async () => {
    const { end, json, calls } = await runChild("term", "SIGINT");

    expect(end).toEqual({ code: 130, signal: null });
    expect(json).toMatchObject({ outcome: "interrupted", end_reason: "received SIGINT" });
    expect(calls).toBe(5);
  });

  it("is written when the agent throws and the process dies of it", async () => {
    const { end, json, calls } = await runChild("throw");

    expect(end).toEqual({ code: 1, signal: null });
    expect(json).toMatchObject({
      outcome: "failed",
      end_reason: "the agent's tool crashed",
      calls: 5,
    });
    expect(calls).toBe(5);
  });

  it("is written when something calls process.exit while the run is live", async () => {
    const { end, json, calls } = await runChild("exit");

    expect(end).toEqual({ code: 3, signal: null });
    expect(json).toMatchObject({
      outcome: "interrupted",
      end_reason: "the process exited (code 3) before the run ended",
      calls: 5,
    });
    expect(calls).toBe(5);
  });
});
