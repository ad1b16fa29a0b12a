import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultPricer as pricer } from "../../src/pricing/index.js";
import type { Usage } from "../../src/record/usage.js";
import { costOf } from "./helpers.js";

const MODELS = [
  "claude-opus-4-5-20251101",
  "claude-opus-4-6",
  "claude-sonnet-4-5",
  "claude-sonnet-4-20250514",
  "claude-haiku-4-5",
  "claude-3-haiku-20240307",
];

// Each prompt part at most 25,000 tokens, so two calls together stay under every 200K threshold.
const count = fc.integer({ min: 0, max: 25_000 });
const calls = fc.record({
  inputTokens: count,
  outputTokens: fc.integer({ min: 0, max: 2_000_000 }),
  cacheReadTokens: count,
  cacheWrite5mTokens: count,
  cacheWrite1hTokens: count,
  webSearchRequests: fc.integer({ min: 0, max: 100 }),
});
const mode = fc.record({
  serviceTier: fc.constantFrom("standard", "batch", "priority", undefined),
  inferenceGeo: fc.constantFrom("us", "global", "not_available", undefined),
});

function add(a: Partial<Usage>, b: Partial<Usage>): Partial<Usage> {
  const sum: Partial<Usage> = {};
  for (const key of Object.keys(a) as (keyof typeof a)[]) {
    if (typeof a[key] === "number") Object.assign(sum, { [key]: a[key] + (b[key] as number) });
  }
  return sum;
}

describe("cost properties", () => {
  it("is a non-negative whole number of money units", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS), calls, mode, (model, usage, how) => {
        const cost = costOf(pricer, model, { ...usage, ...how });
        expect(Number.isSafeInteger(cost)).toBe(true);
        expect(cost).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("is additive: two calls cost what their summed usage costs", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS), calls, calls, mode, (model, a, b, how) => {
        const apart =
          costOf(pricer, model, { ...a, ...how }) + costOf(pricer, model, { ...b, ...how });
        expect(costOf(pricer, model, { ...add(a, b), ...how })).toBe(apart);
      }),
    );
  });

  it("halves exactly under the Batch API, searches aside", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS), calls, (model, usage) => {
        const tokens = { ...usage, webSearchRequests: 0 };
        const standard = costOf(pricer, model, tokens);
        expect(costOf(pricer, model, { ...tokens, serviceTier: "batch" }) * 2).toBe(standard);
      }),
    );
  });
});
