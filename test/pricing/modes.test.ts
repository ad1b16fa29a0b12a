import { describe, expect, it } from "vitest";
import { ratePerToken, usdToMoney } from "../../src/money.js";
import { defaultPricer as pricer } from "../../src/pricing/index.js";
import { costOf, usage } from "./helpers.js";

describe("Batch API", () => {
  it("halves every token rate, stacking with the cache multipliers", () => {
    const cost = costOf(pricer, "claude-haiku-4-5-20251001", {
      inputTokens: 1_520,
      cacheReadTokens: 10_000,
      cacheWrite5mTokens: 2_000,
      cacheWrite1hTokens: 1_000,
      outputTokens: 210,
      serviceTier: "batch",
    });
    // $0.50 input, $0.05 read, $0.625 and $1 writes, $2.50 output, per million tokens.
    expect(cost).toBe(usdToMoney(0.00076 + 0.0005 + 0.00125 + 0.001 + 0.000525));
  });

  it("gives Haiku 3's halved cache read as a whole number of units", () => {
    const rates = pricer.rates("claude-3-haiku-20240307", undefined, { serviceTier: "batch" });
    expect(rates?.cacheRead).toBe(ratePerToken(0.015));
  });

  it("leaves standard and priority tiers at standard rates", () => {
    const base = costOf(pricer, "claude-sonnet-4-5", { inputTokens: 1_000, outputTokens: 100 });
    for (const serviceTier of ["standard", "priority"]) {
      const cost = costOf(pricer, "claude-sonnet-4-5", {
        inputTokens: 1_000,
        outputTokens: 100,
        serviceTier,
      });
      expect(cost).toBe(base);
    }
  });
});

describe("fast mode", () => {
  it("multiplies Opus 4.6 token rates, cache included, by 6", () => {
    const cost = costOf(pricer, "claude-opus-4-6", {
      inputTokens: 1_200,
      cacheReadTokens: 1_000,
      outputTokens: 640,
      speed: "fast",
    });
    // $30 input, $3 read, $150 output per million tokens.
    expect(cost).toBe(usdToMoney(0.036 + 0.003 + 0.096));
  });

  it("reports a fast call unpriced on a model with no known multiplier", () => {
    const result = pricer.price("claude-sonnet-4-5", usage({ inputTokens: 10, speed: "fast" }));
    expect(result).toEqual({
      priced: false,
      reason: expect.stringContaining("no fast-mode multiplier known for claude-sonnet-4-5"),
    });
    expect(pricer.rates("claude-sonnet-4-5", undefined, { speed: "fast" })).toBeUndefined();
  });

  it("prices a standard-speed call normally", () => {
    const cost = costOf(pricer, "claude-opus-4-6", { inputTokens: 1_000, speed: "standard" });
    expect(cost).toBe(usdToMoney(0.005));
  });
});

describe("data residency", () => {
  it("adds 1.1x on all token categories of Opus 4.6 and later for US-only inference", () => {
    const cost = costOf(pricer, "claude-opus-4-6", {
      inputTokens: 25,
      cacheReadTokens: 1_000,
      outputTokens: 150,
      inferenceGeo: "us",
    });
    // $5.50 input, $0.55 read, $27.50 output per million tokens.
    expect(cost).toBe(usdToMoney(0.0001375 + 0.00055 + 0.004125));
  });

  it("adds nothing for global inference or on models before the premium", () => {
    const parts = { inputTokens: 25, outputTokens: 150 };
    const opus = costOf(pricer, "claude-opus-4-6", parts);
    expect(costOf(pricer, "claude-opus-4-6", { ...parts, inferenceGeo: "global" })).toBe(opus);

    const haiku = costOf(pricer, "claude-haiku-4-5", parts);
    expect(costOf(pricer, "claude-haiku-4-5", { ...parts, inferenceGeo: "us" })).toBe(haiku);
  });

  it("stacks with batch and fast mode", () => {
    const rates = pricer.rates("claude-opus-4-6", undefined, {
      serviceTier: "batch",
      speed: "fast",
      inferenceGeo: "us",
    });
    // $0.50 x 0.5 x 6 x 1.1 = $1.65 per million cache reads.
    expect(rates?.cacheRead).toBe(ratePerToken(1.65));
  });
});

describe("web search", () => {
  it("charges $10 per 1,000 searches on top of tokens, untouched by batch", () => {
    const parts = { inputTokens: 1_000, outputTokens: 100, webSearchRequests: 3 };
    expect(costOf(pricer, "claude-sonnet-4-5", parts)).toBe(usdToMoney(0.0045 + 0.03));

    const batch = costOf(pricer, "claude-sonnet-4-5", { ...parts, serviceTier: "batch" });
    expect(batch).toBe(usdToMoney(0.00225 + 0.03));
  });

  it("charges the published fee on a model the catalogue lists no fee for", () => {
    const cost = costOf(pricer, "claude-3-haiku-20240307", { webSearchRequests: 1 });
    expect(cost).toBe(usdToMoney(0.01));
  });
});
