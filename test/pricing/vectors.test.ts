import { describe, expect, it } from "vitest";
import { usdToMoney } from "../../src/money.js";
import { defaultPricer as pricer } from "../../src/pricing/index.js";
import { costOf, priced, usage, utc } from "./helpers.js";

describe("published price vectors", () => {
  it("prices a Claude Code request on Opus 4.5 with a 5-minute cache write", () => {
    const cost = costOf(pricer, "claude-opus-4-5-20251101", {
      inputTokens: 10,
      cacheWrite5mTokens: 8_889,
      cacheReadTokens: 17_919,
      outputTokens: 358,
    });
    expect(cost).toBe(usdToMoney(0.07351575));
  });

  it("prices 1-hour cache writes at 2x input", () => {
    const cost = costOf(pricer, "claude-sonnet-4-5", {
      cacheWrite1hTokens: 100_000,
      outputTokens: 1_000,
    });
    expect(cost).toBe(usdToMoney(0.615));
  });

  it("bills a whole Sonnet 4.5 request above 200K at the long-context tier", () => {
    const result = priced(
      pricer.price(
        "claude-sonnet-4-5",
        usage({ inputTokens: 210_000, outputTokens: 2_000 }),
        utc("2026-01-15"),
      ),
    );
    expect(result.cost).toBe(usdToMoney(1.305));
    expect(result.longContext).toBe(true);
  });

  it("prices Sonnet 4.6 cache reads at 0.1x input", () => {
    const cost = costOf(pricer, "claude-sonnet-4-6", {
      inputTokens: 7,
      cacheReadTokens: 10_000,
      outputTokens: 100,
    });
    expect(cost).toBe(usdToMoney(0.004521));
  });
});

describe("long-context threshold", () => {
  const at = utc("2026-01-15");

  it("bills a prompt of exactly 200,000 tokens at base rates, one more at the tier", () => {
    const at200k = priced(pricer.price("claude-sonnet-4-5", usage({ inputTokens: 200_000 }), at));
    const above = priced(pricer.price("claude-sonnet-4-5", usage({ inputTokens: 200_001 }), at));

    expect(at200k).toMatchObject({ cost: usdToMoney(0.6), longContext: false });
    expect(above).toMatchObject({ cost: usdToMoney(1.200006), longContext: true });
  });

  it("counts cache reads and writes toward the prompt, and scales cache rates alike", () => {
    const cost = costOf(
      pricer,
      "claude-sonnet-4-5",
      { inputTokens: 1, cacheReadTokens: 150_000, cacheWrite5mTokens: 50_000, outputTokens: 10 },
      at,
    );
    // 1 x $6 + 150,000 x $0.60 + 50,000 x $7.50 + 10 x $22.50, per million tokens.
    expect(cost).toBe(usdToMoney(0.000006 + 0.09 + 0.375 + 0.000225));
  });
});

describe("dated prices from the catalogue", () => {
  // Opus 4.6 billed above 200K at $10/$37.50 until its 1M context went flat on 2026-03-13.
  const prompt = { inputTokens: 300_000, outputTokens: 1_000 };

  it("uses the old long-context tier before the change", () => {
    const cost = costOf(pricer, "claude-opus-4-6", prompt, utc("2026-03-12T23:59:59Z"));
    expect(cost).toBe(usdToMoney(3 + 0.0375));
  });

  it("uses the flat price from the day of the change, and as the newest price", () => {
    expect(costOf(pricer, "claude-opus-4-6", prompt, utc("2026-03-13"))).toBe(usdToMoney(1.525));
    expect(costOf(pricer, "claude-opus-4-6", prompt)).toBe(usdToMoney(1.525));
  });
});

describe("model ids", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["claude-haiku-4-5@20251001", "claude-haiku-4-5"],
    ["anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"],
    ["anthropic/claude-opus-4-5", "claude-opus-4-5"],
    ["claude-sonnet-4@20250514", "claude-sonnet-4-0"],
    ["Claude-Opus-4-1-20250805", "claude-opus-4-1"],
  ])("resolves %s to %s", (model, modelId) => {
    const result = priced(pricer.price(model, usage({ inputTokens: 1_000 })));
    expect(result.modelId).toBe(modelId);
  });

  it.each(["gpt-9", "claude-9-nonexistent", ""])(
    "reports %j as unpriced with a reason",
    (model) => {
      const result = pricer.price(model, usage({ inputTokens: 1_000, outputTokens: 10 }));
      expect(result).toEqual({ priced: false, reason: expect.stringContaining("unknown model") });
      expect(pricer.rates(model)).toBeUndefined();
    },
  );

  it("reports an invalid call time as unpriced instead of throwing", () => {
    const result = pricer.price("claude-sonnet-4-5", usage({ inputTokens: 1 }), Number.NaN);
    expect(result).toMatchObject({ priced: false, reason: expect.stringContaining("time") });
  });
});
