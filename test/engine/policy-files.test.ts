import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isInvalidInputError, type InvalidInputError } from "../../src/errors.js";
import { loadPolicy, parsePolicy, policiesFolder } from "../../src/policies/load.js";
import { policyJsonSchema } from "../../src/policies/schema.js";

function writePolicy(value: unknown, name = "policy.json"): string {
  const dir = mkdtempSync(join(tmpdir(), "agenttrace-policy-"));
  const file = join(dir, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

function refusal(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(isInvalidInputError(error)).toBe(true);
    return error as InvalidInputError;
  }
  throw new Error("expected the policy to be refused");
}

describe("policy files", () => {
  it("load the shipped policies, which guard exactly what they list", () => {
    const def = loadPolicy("default");
    expect(def).toMatchObject({
      maxCallsPerStep: 50,
      maxIdenticalToolCalls: 3,
      inputGrowth: { minTokensPerCall: 1000, consecutiveCalls: 3 },
    });
    expect(def.maxCostUsd).toBeUndefined();

    expect(loadPolicy("budgeted")).toMatchObject({ maxCostUsd: 1, maxIdenticalToolCalls: 3 });
    expect(loadPolicy("strict").maxCallsPerStep).toBe(15);
  });

  it("build on another with extends, and switch a guard off with null", () => {
    const file = writePolicy({
      extends: "default",
      maxCostUsd: 2.5,
      maxIdenticalToolCalls: null,
      steps: { cite_check: { maxCalls: 1, maxCostUsd: 0.5 } },
    });
    const policy = loadPolicy(file);

    expect(policy).toMatchObject({ maxCostUsd: 2.5, maxCallsPerStep: 50 });
    expect(policy.maxIdenticalToolCalls).toBeUndefined();
    expect(policy.steps?.cite_check).toEqual({ maxCalls: 1, maxCostUsd: 0.5 });
  });

  it("refuse a bad file naming every bad field with what was expected", () => {
    const file = writePolicy({
      maxCostUsd: -1,
      maxCallsPerStep: 2.5,
      warnAtFraction: 1.5,
      inputGrowth: { consecutiveCalls: 1 },
      steps: { cite_check: { maxCals: 1 } },
      onViolation: "explode",
    });
    const error = refusal(() => loadPolicy(file));
    const paths = error.issues.map((i) => i.path).sort();

    expect(paths).toEqual([
      "inputGrowth.consecutiveCalls",
      "maxCallsPerStep",
      "maxCostUsd",
      "onViolation",
      "steps.cite_check",
      "warnAtFraction",
    ]);
    expect(error.message).toContain("maxCostUsd: must be a dollar amount >= 0 (got -1)");
    expect(error.message).toContain('onViolation: Invalid option: expected one of "throw"|"emit"');
    expect(error.message).toContain(file);
  });

  it("refuse a file that is not JSON, or extends in a circle", () => {
    expect(refusal(() => loadPolicy(writePolicy("{ not json"))).message).toMatch(/not valid JSON/);

    const dir = mkdtempSync(join(tmpdir(), "agenttrace-cycle-"));
    writeFileSync(join(dir, "a.json"), JSON.stringify({ extends: "./b.json" }));
    writeFileSync(join(dir, "b.json"), JSON.stringify({ extends: "./a.json" }));
    expect(refusal(() => loadPolicy(join(dir, "a.json"))).message).toMatch(/extends itself/);
  });

  it("validate objects the same way as files", () => {
    expect(refusal(() => parsePolicy({ maxCalls: 0 })).issues[0]).toMatchObject({
      path: "maxCalls",
      value: 0,
    });
  });

  it("have a JSON Schema generated from the same definition", () => {
    const schema = policyJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain("maxIdenticalToolCalls");
    expect(schema.properties.maxCostUsd).toBeDefined();
  });
});

describe("the shipped JSON Schema", () => {
  it("is the one generated from the code (run `npm run schema` after changing the schema)", () => {
    const file = join(policiesFolder(), "policy.schema.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(policyJsonSchema());
  });
});
