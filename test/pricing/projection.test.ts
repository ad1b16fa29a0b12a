import { describe, expect, it } from "vitest";
import { ratePerToken, usdToMoney } from "../../src/money.js";
import { defaultPricer as pricer, normalizeModelId, projectCost } from "../../src/pricing/index.js";
import { utc } from "./helpers.js";

describe("rates for projection", () => {
  it("give per-token rates in money units with the long-context tier", () => {
    expect(pricer.rates("claude-sonnet-4-5-20250929", utc("2026-01-15"))).toEqual({
      modelId: "claude-sonnet-4-5",
      input: ratePerToken(3),
      output: ratePerToken(15),
      cacheRead: ratePerToken(0.3),
      cacheWrite5m: ratePerToken(3.75),
      cacheWrite1h: ratePerToken(6),
      longContextThreshold: 200_000,
      longContext: {
        input: ratePerToken(6),
        output: ratePerToken(22.5),
        cacheRead: ratePerToken(0.6),
        cacheWrite5m: ratePerToken(7.5),
        cacheWrite1h: ratePerToken(12),
      },
      webSearch: usdToMoney(0.01),
    });
  });

  it("project a call from its prompt size and max_tokens", () => {
    const rates = pricer.rates("claude-sonnet-4-5")!;
    expect(projectCost(rates, { promptTokens: 10_000, maxOutputTokens: 1_000 })).toBe(
      usdToMoney(0.03 + 0.015),
    );

    // Above the threshold the whole request bills at the tier.
    const long = { promptTokens: 210_000, cacheReadTokens: 200_000, maxOutputTokens: 2_000 };
    expect(projectCost(rates, long)).toBe(usdToMoney(0.06 + 0.12 + 0.045));
  });

  it("project batch calls at half the rates and searches at their fee", () => {
    const rates = pricer.rates("claude-haiku-4-5", undefined, { serviceTier: "batch" })!;
    const estimate = { promptTokens: 1_000_000, maxOutputTokens: 0, webSearches: 2 };
    expect(projectCost(rates, estimate)).toBe(usdToMoney(0.5 + 0.02));
  });
});

describe("normalizeModelId", () => {
  it.each([
    ["anthropic/claude-sonnet-4.5", "claude-sonnet-4.5"],
    ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"],
    ["global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4-5-20251101"],
    ["anthropic.claude-3-sonnet-20240229-v1:0:200k", "claude-3-sonnet-20240229"],
    ["anthropic.claude-v2:1", "claude-v2"],
    [
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
      "claude-haiku-4-5-20251001",
    ],
    ["claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-v2-20241022"],
    [" Claude-Opus-4-6 ", "claude-opus-4-6"],
  ])("%s → %s", (model, expected) => {
    expect(normalizeModelId(model)).toBe(expected);
  });
});
