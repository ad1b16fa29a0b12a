import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ratePerToken, usdToMoney } from "../../src/money.js";
import { defaultPricer as pricer } from "../../src/pricing/index.js";
import { ApiUsageSchema, normalizeUsage } from "../../src/record/usage.js";

// The published table of shared/data/README.md, USD per million tokens:
// input, 5-minute write, 1-hour write, cache read, output.
const PUBLISHED: [string, number[]][] = [
  ["claude-opus-4-5-20251101", [5, 6.25, 10, 0.5, 25]],
  ["claude-opus-4-6", [5, 6.25, 10, 0.5, 25]],
  ["claude-opus-4-7", [5, 6.25, 10, 0.5, 25]],
  ["claude-opus-4-20250514", [15, 18.75, 30, 1.5, 75]],
  ["claude-opus-4-1-20250805", [15, 18.75, 30, 1.5, 75]],
  ["claude-sonnet-4-20250514", [3, 3.75, 6, 0.3, 15]],
  ["claude-sonnet-4-5-20250929", [3, 3.75, 6, 0.3, 15]],
  ["claude-sonnet-4-6", [3, 3.75, 6, 0.3, 15]],
  ["claude-haiku-4-5-20251001", [1, 1.25, 2, 0.1, 5]],
  ["claude-3-5-haiku-20241022", [0.8, 1, 1.6, 0.08, 4]],
  ["claude-3-haiku-20240307", [0.25, 0.3, 0.5, 0.03, 1.25]],
];

describe("the catalogue agrees with the published table", () => {
  it.each(PUBLISHED)("%s", (model, [input, write5m, write1h, read, output]) => {
    expect(pricer.rates(model)).toMatchObject({
      input: ratePerToken(input!),
      cacheWrite5m: ratePerToken(write5m!),
      cacheWrite1h: ratePerToken(write1h!),
      cacheRead: ratePerToken(read!),
      output: ratePerToken(output!),
      webSearch: usdToMoney(0.01),
    });
  });

  it("bills Sonnet 4 and 4.5 above 200K at $6 / $22.50 with cache rates scaled alike", () => {
    for (const model of ["claude-sonnet-4-20250514", "claude-sonnet-4-5"]) {
      expect(pricer.rates(model)).toMatchObject({
        longContextThreshold: 200_000,
        longContext: {
          input: ratePerToken(6),
          output: ratePerToken(22.5),
          cacheRead: ratePerToken(0.6),
          cacheWrite5m: ratePerToken(7.5),
          cacheWrite1h: ratePerToken(12),
        },
      });
    }
  });

  it("bills the 1M context of Opus 4.6 and Sonnet 4.6 flat", () => {
    expect(pricer.rates("claude-opus-4-6")?.longContext).toBeUndefined();
    expect(pricer.rates("claude-sonnet-4-6")?.longContext).toBeUndefined();
  });

  it("fills cache rates a catalogue row lacks from the standard multipliers", () => {
    // claude-2 lists input and output only.
    expect(pricer.rates("claude-2.1")).toMatchObject({
      cacheRead: ratePerToken(0.8),
      cacheWrite5m: ratePerToken(10),
      cacheWrite1h: ratePerToken(16),
    });
  });
});

describe("a real Claude Code session (jimmc414/cctrace, MIT)", () => {
  it("costs $10.58909675 over its 100 requests at Opus 4.5 rates", () => {
    const path = new URL(
      "../fixtures/real/trace_claude_code_opus45_session.jsonl",
      import.meta.url,
    );
    const requests = new Map<string, { model: string; usage: unknown; at: number }>();

    // One line per content block: a request is counted once, with its last usage.
    for (const text of readFileSync(path, "utf8").split("\n")) {
      if (text.trim() === "") continue;
      const line = JSON.parse(text);
      if (line.type !== "assistant" || !line.message?.usage) continue;
      const key = line.requestId ?? line.message.id;
      requests.set(key, {
        model: line.message.model,
        usage: line.message.usage,
        at: Date.parse(line.timestamp),
      });
    }

    let total = 0;
    for (const { model, usage, at } of requests.values()) {
      const result = pricer.price(model, normalizeUsage(ApiUsageSchema.parse(usage)), at);
      if (!result.priced) throw new Error(result.reason);
      total += result.cost;
    }
    expect(requests.size).toBe(100);
    expect(total).toBe(usdToMoney(10.58909675));
  });
});
