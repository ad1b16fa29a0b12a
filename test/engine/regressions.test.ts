// Cases an adversarial review found; each pins the behaviour that was fixed.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { isCallLimitError, type PolicyViolationError } from "../../src/engine/errors.js";
import { Guard } from "../../src/engine/guard.js";
import type { Warning } from "../../src/engine/events.js";
import { usdToMoney } from "../../src/money.js";
import { loadPolicy } from "../../src/policies/load.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { createRecord } from "../../src/record/record.js";
import { EMPTY_USAGE } from "../../src/record/usage.js";
import { replayRun } from "../../src/replay/replay.js";
import { callCosting } from "../helpers.js";

const clock = () => new ManualClock(Date.UTC(2026, 11, 3));

async function call(guard: Guard, run: ReturnType<Guard["startRun"]>, step?: string) {
  const tags: Record<string, string> = step ? { step } : {};
  const ticket = await guard.beforeCall(run, {
    model: "claude-haiku-4-5",
    tags,
    usage: EMPTY_USAGE,
  });
  await guard.afterCall(ticket, createRecord(callCosting(0.01, { tags }), defaultPricer));
}

describe("call limits", () => {
  it("still stop a step when the run is past its warning share of maxCalls", async () => {
    const guard = new Guard({
      policy: { maxCalls: 10, maxCallsPerStep: 2, warnAtFraction: 0.1 },
      pricer: defaultPricer,
      clock: clock(),
    });
    const run = guard.startRun("warned");

    await call(guard, run, "loop");
    await call(guard, run, "loop");
    const third = call(guard, run, "loop");
    await expect(third).rejects.toSatisfy(
      (e: PolicyViolationError) => isCallLimitError(e) && e.policy === "maxCallsPerStep",
    );
  });

  it("warn at the guard's own warnAtFraction, which overrides the policy's", async () => {
    const guard = new Guard({
      policy: { maxCalls: 10, warnAtFraction: 0.9 },
      warnAtFraction: 0.5,
      pricer: defaultPricer,
      clock: clock(),
    });
    const warnings: Warning[] = [];
    guard.on("warning", ({ warning }) => warnings.push(warning));
    const run = guard.startRun("override");

    for (let i = 0; i < 6; i++) await call(guard, run);
    expect(warnings.map((w) => [w.policy, w.call])).toEqual([["maxCalls", 5]]);
  });
});

describe("tickets", () => {
  it("cancelled twice free one place, not two", async () => {
    const guard = new Guard({ policy: { maxCalls: 2 }, pricer: defaultPricer, clock: clock() });
    const run = guard.startRun("twice");
    const plan = { model: "claude-haiku-4-5", usage: EMPTY_USAGE };

    const a = await guard.beforeCall(run, plan);
    await guard.beforeCall(run, plan);
    await guard.cancelCall(a);
    await guard.cancelCall(a);

    await guard.beforeCall(run, plan);
    await expect(guard.beforeCall(run, plan)).rejects.toSatisfy(isCallLimitError);
  });

  it("recorded after the run ended still count, announced as late calls", async () => {
    const guard = new Guard({ pricer: defaultPricer, clock: clock() });
    const late: boolean[] = [];
    guard.on("call", (event) => late.push(event.late === true));
    const run = guard.startRun("raced");

    const ticket = await guard.beforeCall(run, { model: "claude-haiku-4-5", usage: EMPTY_USAGE });
    guard.finishRun(run, "interrupted", "a timeout won the race");
    await guard.afterCall(ticket, createRecord(callCosting(0.2), defaultPricer));

    expect(run.totals.cost).toBe(usdToMoney(0.2));
    expect(late).toEqual([true]);
  });
});

describe("listeners", () => {
  it("added with once fire once, with their context", () => {
    const guard = new Guard({ pricer: defaultPricer, clock: clock() });
    const seen: unknown[] = [];
    const context = { name: "ctx" };
    guard.once(
      "runEnd",
      function (this: typeof context) {
        seen.push(this);
      },
      context,
    );

    guard.finishRun(guard.startRun("a"));
    guard.finishRun(guard.startRun("b"));
    expect(seen).toEqual([context]);
    expect(guard.listenerCount("runEnd")).toBe(0);
  });
});

describe("replay", () => {
  it("projects a recorded call by its recorded cost, so a budget holds", async () => {
    const records = [1, 2, 3, 4].map((i) =>
      createRecord(callCosting(0.4, { startedAt: 1_000 * i }), defaultPricer),
    );
    const recorded = { name: "given", tags: {}, records, lines: [1, 2, 3, 4] };

    const result = await replayRun(recorded, { maxCostUsd: 1 }, defaultPricer);

    expect(result.trip).toMatchObject({ policy: "maxCostUsd", call: 3, when: "before_call" });
    expect(result.cost_usd).toBe(0.8);
  });
});

describe("policy files", () => {
  it("merge a step's limits field by field over the policy they extend", () => {
    const dir = mkdtempSync(join(tmpdir(), "agenttrace-steps-"));
    const parent = { steps: { cite_check: { maxCalls: 1, maxCostUsd: 0.5 } } };
    writeFileSync(join(dir, "parent.json"), JSON.stringify(parent));
    writeFileSync(
      join(dir, "child.json"),
      JSON.stringify({ extends: "./parent.json", steps: { cite_check: { maxCalls: 2 } } }),
    );

    expect(loadPolicy(join(dir, "child.json")).steps).toEqual({
      cite_check: { maxCalls: 2, maxCostUsd: 0.5 },
    });
  });
});

describe("a guard's inputs", () => {
  it("refuse a policy written in code with a typo, naming it", () => {
    expect(() => new Guard({ policy: { maxCall: 1 } as never })).toThrow(
      /invalid guard policy: \(root\): Unrecognized key: "maxCall"/,
    );
    expect(() => new Guard({ policy: { maxCostUsd: -1 } })).toThrow(/maxCostUsd: must be/);
  });

  it("take the API's usage object before a call, and refuse one of the wrong shape", async () => {
    const guard = new Guard({ policy: { maxCostUsd: 0.05 }, clock: clock() });
    const run = guard.startRun("shapes");
    const usage = { input_tokens: 20_000, output_tokens: 2_000 }; // $0.03 on Haiku 4.5

    const ticket = await guard.beforeCall(run, { model: "claude-haiku-4-5", usage });
    expect(ticket.projected).toBe(usdToMoney(0.03));
    await expect(guard.beforeCall(run, { model: "claude-haiku-4-5", usage })).rejects.toThrow(
      /projected \$0\.0300 on top of \$0\.0000 spent and \$0\.0300 in flight/,
    );
    await expect(
      guard.beforeCall(run, { model: "claude-haiku-4-5", usage: { nonsense: true } as never }),
    ).rejects.toThrow(/invalid planned call/);
  });

  it("keep calls of its runs going through it: run.record refuses", () => {
    const guard = new Guard({ clock: clock() });
    const run = guard.startRun("guarded");
    expect(() => run.record(callCosting(1))).toThrow(/run guarded is guarded/);
  });
});
