import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { MONEY_PER_USD } from "../../src/money.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { createRecord, type CallRecord } from "../../src/record/record.js";
import { percentileSorted } from "../../src/run/percentile.js";
import { Run } from "../../src/run/run.js";
import { Trace } from "../../src/run/trace.js";
import { callCosting } from "../helpers.js";

const models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "mystery-model"];
const steps = ["search", "summarize", "cite_check"];

const callArb = fc.record({
  model: fc.constantFrom(...models),
  step: fc.option(fc.constantFrom(...steps), { nil: undefined }),
  input: fc.nat(300_000),
  output: fc.nat(8_000),
  cacheRead: fc.nat(100_000),
  cacheWrite: fc.nat(50_000),
  latency: fc.nat(60_000),
  start: fc.nat(1_000_000),
});

type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

function toRecord(c: Call) {
  return createRecord(
    {
      model: c.model,
      usage: {
        input_tokens: c.input,
        output_tokens: c.output,
        cache_read_input_tokens: c.cacheRead,
        cache_creation_input_tokens: c.cacheWrite,
      },
      latencyMs: c.latency,
      startedAt: 1_700_000_000_000 + c.start,
      tags: c.step ? { step: c.step } : {},
    },
    defaultPricer,
  );
}

function runOf(records: CallRecord[]): Run {
  const run = new Run("prop", { clock: new ManualClock() });
  for (const r of records) run.add(r);
  return run;
}

describe("money", () => {
  it("adds ten calls of $0.10 to exactly $1.00", () => {
    const trace = new Trace({ pricer: defaultPricer, clock: new ManualClock() });
    const run = trace.startRun("dimes");
    for (let i = 0; i < 10; i++) run.record(callCosting(0.1));

    expect(run.totals.cost).toBe(MONEY_PER_USD);
    expect(run.summary().cost_usd).toBe(1);
  });
});

describe("breakdowns (property)", () => {
  it("add up to the totals, whatever the order of calls", () => {
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 60 }), fc.nat(), (calls, seed) => {
        const records = calls.map(toRecord);
        const shuffled = fc.sample(
          fc.shuffledSubarray(records, {
            minLength: records.length,
            maxLength: records.length,
          }),
          { numRuns: 1, seed },
        )[0]!;
        const a = runOf(records).summary();
        const b = runOf(shuffled).summary();

        // Order changes nothing but the order of keys.
        expect(b.cost_usd).toBe(a.cost_usd);
        expect(b.tokens).toEqual(a.tokens);
        expect(b.latency_ms).toEqual(a.latency_ms);
        expect(b.duration_ms).toBe(a.duration_ms);

        const run = runOf(records);
        const sum = (map: ReadonlyMap<string, { calls: number; cost: number }>) => {
          let calls = 0;
          let cost = 0;
          for (const agg of map.values()) {
            calls += agg.calls;
            cost += agg.cost;
          }
          return { calls, cost };
        };
        expect(sum(run.byModel())).toEqual({ calls: run.totals.calls, cost: run.totals.cost });

        const stepped = records.filter((r) => r.tags.step !== undefined);
        const stepCost = stepped.reduce((s, r) => s + (r.cost ?? 0), 0);
        expect(sum(run.byTag("step"))).toEqual({ calls: stepped.length, cost: stepCost });
      }),
      { numRuns: 150 },
    );
  });
});

describe("percentiles", () => {
  it("interpolate linearly between the closest ranks", () => {
    const sorted = [1500, 1900, 2100, 2300, 2500, 2710, 3000, 3300, 3800, 4440, 5400];
    expect(percentileSorted(sorted, 50)).toBe(2710);
    expect(percentileSorted(sorted, 95)).toBe(4920);
    expect(percentileSorted([7], 99)).toBe(7);
  });

  it("give none for an empty run, never 0 or NaN", () => {
    const s = new Run("empty").summary();
    expect(s.latency_ms).toEqual({ p50: null, p95: null, p99: null });
    expect(s.duration_ms).toBeNull();
  });
});

describe("a live run", () => {
  it("is readable at any moment, and takes time from its clock", () => {
    const clock = new ManualClock(10_000);
    const trace = new Trace({ pricer: defaultPricer, clock });
    const run = trace.startRun("live", { tags: { tenant: "acme" } });

    clock.advance(500);
    run.record(callCosting(0.25, { latencyMs: 500, tags: { step: "plan" } }));
    expect(run.summary()).toMatchObject({ calls: 1, cost_usd: 0.25, duration_ms: 500 });

    clock.advance(2000);
    run.record(callCosting(0.5, { latencyMs: 1000, tags: { step: "act" } }));
    expect(run.summary()).toMatchObject({ calls: 2, cost_usd: 0.75, duration_ms: 2500 });
    expect(Object.keys(run.summary().by_tag.step!)).toEqual(["plan", "act"]);
  });

  it("can keep only its aggregates", () => {
    const run = new Run("lean", { keepRecords: false, pricer: defaultPricer });
    run.record(callCosting(1));
    expect(run.records()).toEqual([]);
    expect(run.summary().calls).toBe(1);
  });

  it("does not sum parallel calls into its duration", () => {
    const run = new Run("parallel", { pricer: defaultPricer });
    for (let i = 0; i < 4; i++) run.record(callCosting(0.1, { startedAt: 1000, latencyMs: 2000 }));
    expect(run.summary().duration_ms).toBe(2000);
  });
});
