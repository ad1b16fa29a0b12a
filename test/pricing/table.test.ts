import { describe, expect, it } from "vitest";
import { isInvalidInputError, type InvalidInputError } from "../../src/errors.js";
import { usdToMoney } from "../../src/money.js";
import { createPricer, loadPriceTable, parsePriceTable } from "../../src/pricing/index.js";
import { costOf, usage, utc } from "./helpers.js";

const fixture = (name: string) => new URL(`../fixtures/pricing/${name}`, import.meta.url).pathname;

function thrown(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    if (isInvalidInputError(error)) return error;
    throw error;
  }
  throw new Error("expected an InvalidInputError");
}

describe("price tables", () => {
  it("override the catalogue, for dated and prefixed ids of the model too", () => {
    const pricer = createPricer({
      table: { models: { "claude-sonnet-4-5": { input: 1, output: 2 } } },
    });
    const parts = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

    expect(costOf(pricer, "claude-sonnet-4-5", parts)).toBe(usdToMoney(3));
    expect(costOf(pricer, "anthropic/claude-sonnet-4-5-20250929", parts)).toBe(usdToMoney(3));
    expect(costOf(pricer, "claude-haiku-4-5", parts)).toBe(usdToMoney(6));
  });

  it("add models the catalogue lacks, cache rates defaulting to the standard multipliers", () => {
    const pricer = createPricer({ table: { models: { "my-model": { input: 2, output: 8 } } } });
    const cost = costOf(pricer, "my-model", {
      cacheReadTokens: 1_000_000,
      cacheWrite5mTokens: 1_000_000,
      cacheWrite1hTokens: 1_000_000,
    });
    expect(cost).toBe(usdToMoney(0.2 + 2.5 + 4));
  });

  it("apply dated prices from their day, and the catalogue before it", async () => {
    const pricer = createPricer({ table: await loadPriceTable(fixture("table.json")) });
    const parts = { inputTokens: 1_000_000 };

    expect(costOf(pricer, "claude-sonnet-4-5", parts, utc("2026-05-31T23:59:59Z"))).toBe(
      usdToMoney(3),
    );
    expect(costOf(pricer, "claude-sonnet-4-5", parts, utc("2026-06-01"))).toBe(usdToMoney(4));
    expect(costOf(pricer, "claude-sonnet-4-5", parts)).toBe(usdToMoney(4));
  });

  it("report a call before a custom model's first price as unpriced", () => {
    const table = { models: { "my-model": { since: "2026-01-01", input: 1, output: 1 } } };
    const result = createPricer({ table }).price(
      "my-model",
      usage({ inputTokens: 1 }),
      utc("2025-12-31"),
    );
    expect(result).toEqual({
      priced: false,
      reason: 'price table has no price for "my-model" before 2026-01-01',
    });
  });

  it("bill the long-context tier of a custom model, scaling cache rates alike", async () => {
    const pricer = createPricer({ table: await loadPriceTable(fixture("table.json")) });
    const rates = pricer.rates("my-model");
    expect(rates).toMatchObject({
      longContextThreshold: 200_000,
      longContext: { cacheRead: 6_000 },
    });

    const cost = costOf(pricer, "my-model", { inputTokens: 200_001, webSearchRequests: 1 });
    expect(cost).toBe(usdToMoney(1.200006 + 0.01));
  });

  it("take a fast multiplier for a model that has none", () => {
    const table = { models: { "claude-sonnet-4-6": { input: 3, output: 15, fastMultiplier: 2 } } };
    const cost = costOf(createPricer({ table }), "claude-sonnet-4-6", {
      inputTokens: 1_000_000,
      speed: "fast",
      inferenceGeo: "us",
    });
    // The catalogue model's 1.1x residency premium still applies: 3 x 2 x 1.1.
    expect(cost).toBe(usdToMoney(6.6));
  });
});

describe("bad price tables", () => {
  it("name every bad field with its path and value", () => {
    const error = thrown(() =>
      parsePriceTable({
        models: {
          a: { input: -1, output: "15", ouput: 3 },
          b: [{ input: 1, output: 2, since: "2026-13-01" }],
          c: { input: 1, output: 2, longContext: { threshold: 0.5, input: 2, output: 4 } },
        },
      }),
    );

    expect(error.issues.map(({ path, value }) => ({ path, value }))).toEqual([
      { path: "models.a.input", value: -1 },
      { path: "models.a.output", value: "15" },
      { path: "models.a", value: { input: -1, output: "15", ouput: 3 } },
      { path: "models.b.0.since", value: "2026-13-01" },
      { path: "models.c.longContext.threshold", value: 0.5 },
    ]);
    expect(error.message).toContain('models.a: Unrecognized key: "ouput"');
  });

  it("reject two spellings of one model and two prices for one day", () => {
    const error = thrown(() =>
      createPricer({
        table: {
          models: {
            "claude-x": { input: 1, output: 1 },
            "anthropic/Claude-X": { input: 2, output: 2 },
            y: [
              { input: 1, output: 1, since: "2026-01-01" },
              { input: 2, output: 2, since: "2026-01-01" },
            ],
          },
        },
      }),
    );
    expect(error.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ["models.anthropic/Claude-X", 'same model as "claude-x"'],
      ["models.y.1.since", "a second price from 2026-01-01"],
    ]);
  });

  it("report a JSON syntax error with its line and column", async () => {
    const path = fixture("bad-syntax.json");
    const error = await loadPriceTable(path).catch((caught: unknown) => caught);

    expect(isInvalidInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^invalid price table ${path}: \\(root\\): not valid JSON: .*line 3,? column 45`),
    );
  });
});
