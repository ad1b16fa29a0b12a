import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policies/load.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { readRecording } from "../../src/readers/read.js";
import { replayRun, type ReplayResult } from "../../src/replay/replay.js";
import { fixture } from "../helpers.js";

interface Label {
  expect: "runaway" | "healthy";
  onset_call?: number;
}

const labels = JSON.parse(readFileSync(fixture("scenarios/labels.json"), "utf8")) as Record<
  string,
  Label
>;
const policy = loadPolicy("default");

async function replay(file: string): Promise<ReplayResult[]> {
  const recording = await readRecording(fixture(file), defaultPricer);
  expect(recording.issues).toEqual([]);
  return Promise.all(recording.runs.map((run) => replayRun(run, policy, defaultPricer)));
}

describe("the default policy on labelled recordings", () => {
  for (const [name, label] of Object.entries(labels)) {
    if (label.expect === "runaway") {
      it(`stops runaway ${name} within 35% of its bill, not before the onset`, async () => {
        const [result] = await replay(`scenarios/${name}.jsonl`);

        expect(result!.tripped).toBe(true);
        const share = result!.trip!.spent_usd / result!.unguarded_cost_usd;
        expect(share).toBeLessThanOrEqual(name === "seed-runaway" ? 0.3 : 0.35);
        expect(result!.trip!.call).toBeGreaterThan(label.onset_call ?? 0);
      });
    } else {
      it(`leaves healthy ${name} untouched`, async () => {
        const [result] = await replay(`scenarios/${name}.jsonl`);
        expect(result!.tripped).toBe(false);
        expect(result!.warnings).toEqual([]);
        expect(result!.calls).toBe(result!.unguarded_calls);
      });
    }
  }

  it("leaves the real Claude Code session untouched", async () => {
    const [result] = await replay("real/trace_claude_code_opus45_session.jsonl");
    expect(result).toMatchObject({ tripped: false, calls: 100, cost_usd: 10.58909675 });
  });

  it("says where it stopped the article's run, why, and what that saved", async () => {
    const [result] = await replay("scenarios/seed-runaway.jsonl");

    expect(result!.trip).toEqual({
      policy: "inputGrowth",
      call: 7,
      when: "before_call",
      spent_usd: 1.1361,
      message:
        'step "cite_check" on claude-opus-4-7: the prompt grew by 4,500, 4,500, 4,500 tokens ' +
        "over the last 3 calls (policy inputGrowth: at most 2 growing calls of 1000+ tokens in " +
        "a row); this is the pattern of re-attached history: send a sliding window of it, or " +
        "raise inputGrowth.consecutiveCalls",
    });
    expect(result!.unguarded_cost_usd).toBe(4.2031);
  });
});
