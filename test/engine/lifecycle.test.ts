import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { isRepeatedToolCallError, type PolicyViolationError } from "../../src/engine/errors.js";
import { Guard } from "../../src/engine/guard.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { createRecord } from "../../src/record/record.js";
import { normalizeUsage, ApiUsageSchema } from "../../src/record/usage.js";
import type { RunSummary } from "../../src/run/summary.js";
import { callCosting } from "../helpers.js";

const poll = { name: "check_status", input: { job: "deploy-42" } };

async function pollOnce(guard: Guard, run: ReturnType<Guard["startRun"]>) {
  const input = callCosting(0.01, { toolUses: [poll], tags: { step: "verify" } });
  const usage = normalizeUsage(ApiUsageSchema.parse(input.usage));
  const ticket = await guard.beforeCall(run, { model: input.model, tags: input.tags, usage });
  return guard.afterCall(ticket, createRecord(input, defaultPricer));
}

describe("a trip", () => {
  it("after a call lets the agent keep that response and refuses the next call", async () => {
    const guard = new Guard({
      policy: { maxIdenticalToolCalls: 2 },
      pricer: defaultPricer,
      clock: new ManualClock(),
    });
    const trips: PolicyViolationError[] = [];
    guard.on("trip", ({ error }) => trips.push(error));
    const run = guard.startRun("poller");
    const signal = guard.signal(run);

    await pollOnce(guard, run);
    await pollOnce(guard, run);
    await pollOnce(guard, run); // the third identical request trips, after the call
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ when: "after_call", call: 3, limit: 2, observed: 3 });
    expect(signal.aborted).toBe(true);

    const next = pollOnce(guard, run);
    await expect(next).rejects.toSatisfy(isRepeatedToolCallError);
    expect(run.totals.calls).toBe(3);
  });

  it("ends a guarded run as tripped, with its report; nothing fires after the end", async () => {
    const guard = new Guard({
      policy: { maxCalls: 2 },
      pricer: defaultPricer,
      clock: new ManualClock(),
    });
    const ends: RunSummary[] = [];
    const late: string[] = [];
    guard.on("runEnd", ({ summary }) => ends.push(summary));

    const attempt = guard.run("looping", async (run) => {
      for (;;) await pollOnce(guard, run);
    });
    await expect(attempt).rejects.toThrow(/made call 3 of at most 2/);

    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ outcome: "tripped", calls: 2 });
    expect(ends[0]!.end_reason).toMatch(/policy maxCalls/);

    guard.on("call", () => late.push("call"));
    const [run] = [guard.liveRuns()[0]];
    expect(run).toBeUndefined();
    expect(late).toEqual([]);
  });

  it("only emits in emit mode: the run goes on", async () => {
    const guard = new Guard({
      policy: { maxCalls: 1 },
      pricer: defaultPricer,
      clock: new ManualClock(),
      onViolation: "emit",
    });
    const refused: string[] = [];
    guard.on("refused", ({ error }) => refused.push(error.policy));
    const run = guard.startRun("shadow");

    for (let i = 0; i < 3; i++) await pollOnce(guard, run);
    expect(run.totals.calls).toBe(3);
    expect(refused).toEqual(["maxCalls", "maxCalls"]);
    expect(guard.finishRun(run).outcome).toBe("tripped");
  });

  it("ends a failed run as failed and rethrows the agent's own error", async () => {
    const guard = new Guard({ pricer: defaultPricer, clock: new ManualClock() });
    const ends: RunSummary[] = [];
    guard.on("runEnd", ({ summary }) => ends.push(summary));

    await expect(
      guard.run("broken", () => {
        throw new Error("tool crashed");
      }),
    ).rejects.toThrow("tool crashed");
    expect(ends[0]).toMatchObject({ outcome: "failed", end_reason: "tool crashed" });
  });
});
