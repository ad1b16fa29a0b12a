// Cases an adversarial review found in records, readers and reports; each pins a fix.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isInvalidInputError, type InvalidInputError } from "../../src/errors.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { readRecording } from "../../src/readers/read.js";
import { createRecord } from "../../src/record/record.js";
import { Run } from "../../src/run/run.js";
import { fixture } from "../helpers.js";

const good = {
  model: "claude-sonnet-4-5",
  usage: { input_tokens: 10, output_tokens: 5 },
  latencyMs: 100,
};

function refusal(input: unknown): InvalidInputError {
  try {
    createRecord(input, defaultPricer);
  } catch (error) {
    expect(isInvalidInputError(error)).toBe(true);
    return error as InvalidInputError;
  }
  throw new Error("expected the record to be refused");
}

describe("records", () => {
  it("refuse a start time no date can hold, naming it, instead of crashing the summary", () => {
    expect(refusal({ ...good, startedAt: 1e16 }).message).toMatch(
      /startedAt: must be a real date and time \(got 10000000000000000\)/,
    );
  });

  it("refuse a cost past the exact range, and show NaN and Infinity as they are", () => {
    expect(refusal({ ...good, costUsd: 2e6 }).message).toMatch(/costUsd: must be at most 900000/);
    expect(refusal({ ...good, latencyMs: Number.NaN }).message).toMatch(/latencyMs: .*got NaN/);
    expect(refusal({ ...good, costUsd: Infinity }).message).toMatch(/got Infinity/);
  });

  it("refuse a BigInt with the field named, never a TypeError", () => {
    expect(refusal({ ...good, latencyMs: 10n }).message).toMatch(/latencyMs: .*got 10n/);
  });

  it("keep cache writes that a partial TTL breakdown does not place, as 5-minute writes", () => {
    const usage = { input_tokens: 5, output_tokens: 5, cache_creation_input_tokens: 100_000 };
    const record = createRecord(
      { ...good, usage: { ...usage, cache_creation: {} } },
      defaultPricer,
    );
    expect(record.usage.cacheWrite5mTokens).toBe(100_000);
  });
});

describe("reports", () => {
  it("keep a model or tag value named __proto__", () => {
    const run = new Run("odd", { pricer: defaultPricer });
    run.record({ ...good, model: "__proto__", costUsd: 1, tags: { step: "__proto__" } });

    const json = JSON.parse(JSON.stringify(run.summary()));
    expect(json.by_model.__proto__).toMatchObject({ calls: 1, cost_usd: 1 });
    expect(json.by_tag.step.__proto__).toMatchObject({ calls: 1 });
  });
});

describe("Claude Code transcripts", () => {
  it("keep a request whose timestamps do not parse, losing only its latency", async () => {
    const file = join(tmpdir(), `agenttrace-cc-time-${process.pid}.jsonl`);
    const assistant = (id: string) =>
      JSON.stringify({
        type: "assistant",
        sessionId: "s",
        requestId: id,
        timestamp: "garbage",
        message: { model: "claude-sonnet-4-5", usage: { input_tokens: 1000, output_tokens: 10 } },
      });
    const user = JSON.stringify({ type: "user", sessionId: "s", timestamp: "garbage" });
    writeFileSync(file, [user, assistant("a"), user, assistant("b")].join("\n"));

    const recording = await readRecording(file, defaultPricer);
    expect(recording.issues).toEqual([]);
    expect(recording.runs[0]!.records).toHaveLength(2);
  });
});

describe("the built package", () => {
  it("keeps its error class names, which the type guards rely on", async () => {
    const built = (await import(
      fixture("../../dist/index.js")
    )) as typeof import("../../src/index.js");
    let error: unknown;
    try {
      built.createRecord({ model: "" }, built.defaultPricer);
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe("InvalidInputError");
    expect(built.isInvalidInputError(error)).toBe(true);

    // Every exported error class, in ESM and CommonJS, goes by the name it is exported as.
    const cjs = createRequire(import.meta.url)(fixture("../../dist/index.cjs")) as object;
    for (const module of [built, cjs]) {
      for (const [name, value] of Object.entries(module)) {
        if (typeof value === "function" && name.endsWith("Error")) expect(value.name).toBe(name);
      }
    }
  });
});
