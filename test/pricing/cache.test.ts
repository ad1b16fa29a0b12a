import { calcPrice } from "@pydantic/genai-prices";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createPricer } from "../../src/pricing/index.js";
import { usage, utc } from "./helpers.js";

// Wrap the catalogue lookup to count calls; its behaviour is untouched.
vi.mock("@pydantic/genai-prices", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@pydantic/genai-prices")>();
  return { ...actual, calcPrice: vi.fn(actual.calcPrice) };
});

const lookups = () => vi.mocked(calcPrice).mock.calls.length;

describe("catalogue lookups", () => {
  // A function returned from beforeEach is run as teardown, and mockClear returns the mock.
  beforeEach(() => {
    vi.mocked(calcPrice).mockClear();
  });

  it("happen once per model and UTC day, not once per call", () => {
    const pricer = createPricer();
    const call = usage({ inputTokens: 100, outputTokens: 10 });
    const day = utc("2026-01-15");

    for (let i = 0; i < 10_000; i++) {
      pricer.price("claude-sonnet-4-5-20250929", call, day + (i % 86_400_000));
      pricer.price("claude-sonnet-4-5-20250929", { ...call, serviceTier: "batch" }, day + i);
    }
    expect(lookups()).toBe(1);

    pricer.price("claude-sonnet-4-5-20250929", call, utc("2026-01-16"));
    pricer.price("claude-haiku-4-5", call, day);
    expect(lookups()).toBe(3);
  });

  it("are cached for unknown models too", () => {
    const pricer = createPricer();
    for (let i = 0; i < 100; i++) pricer.price("gpt-9", usage({ inputTokens: 1 }));
    expect(lookups()).toBe(1);
  });

  it("start afresh past 10,000 model-day pairs, and price the same after", () => {
    const pricer = createPricer();
    const call = usage({ inputTokens: 1_000, outputTokens: 100 });
    const first = pricer.price("claude-haiku-4-5", call, utc("2026-01-15"));

    for (let day = 0; day < 10_000; day++) {
      pricer.price("claude-haiku-4-5", call, utc("2026-01-16") + day * 86_400_000);
    }
    const before = lookups();
    expect(pricer.price("claude-haiku-4-5", call, utc("2026-01-15"))).toEqual(first);
    expect(lookups()).toBe(before + 1);
  });
});
