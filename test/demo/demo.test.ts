import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { formatDemo, runDemo, type DemoResult } from "../../examples/demo.js";

let dir: string;
let result: DemoResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agenttrace-demo-"));
  result = await runDemo({ reportsDir: dir });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the demo's three runs, in process", () => {
  test("the guard stops the buggy run in cite_check, having spent at most 30% of the bill", () => {
    const { guarded, unguarded } = result;

    expect(guarded.trip).toMatchObject({
      name: "RunawayGrowthError",
      policy: "inputGrowth",
      step: "cite_check",
      when: "before_call",
    });
    expect(guarded.summary.outcome).toBe("tripped");
    expect(guarded.summary.by_tag.step!.cite_check!.calls).toBe(3);
    expect(result.spentShare).toBeLessThanOrEqual(0.3);
    expect(guarded.summary.cost_usd).toBeLessThan(unguarded.summary.cost_usd * 0.3);
  });

  test("unguarded, the buggy cite check makes nine calls, each prompt ~4,500 tokens longer", () => {
    const { unguarded } = result;
    expect(unguarded.trip).toBeUndefined();
    expect(unguarded.summary).toMatchObject({ outcome: "completed", calls: 11 });
    expect(unguarded.summary.by_tag.step!.cite_check!.calls).toBe(9);

    // Average prompt of nine calls growing linearly: first + 4 growths.
    const cite = unguarded.summary.by_tag.step!.cite_check!;
    expect(cite.avg_input_tokens).toBeGreaterThan(15_000);
    expect(cite.cost_usd / unguarded.summary.cost_usd).toBeGreaterThan(0.95);
  });

  test("the fixed agent finishes untouched, in three cite-check calls", () => {
    const { fixed } = result;
    expect(fixed.trip).toBeUndefined();
    expect(fixed.warnings).toEqual([]);
    expect(fixed.summary).toMatchObject({ outcome: "completed", calls: 5 });
    expect(fixed.summary.end_reason).toBeUndefined();
    expect(fixed.summary.by_tag.step!.cite_check!.calls).toBe(3);
    expect(fixed.summary.estimates).toMatchObject({ calls: 5, mean_abs_error: 0 });
  });

  test("writes each run's report as text and JSON, and prints the bills side by side", async () => {
    expect(result.files.map((f) => f.slice(dir.length + 1))).toEqual([
      "buggy-guarded.txt",
      "buggy-guarded.json",
      "buggy-unguarded.txt",
      "buggy-unguarded.json",
      "fixed-guarded.txt",
      "fixed-guarded.json",
    ]);
    const json = JSON.parse(await readFile(join(dir, "buggy-guarded.json"), "utf8"));
    expect(json.runs[0]).toMatchObject({ outcome: "tripped", calls: 5 });
    expect(await readFile(join(dir, "buggy-unguarded.txt"), "utf8")).toContain(
      "step 3 cite_check: 9 calls",
    );

    const printed = formatDemo(result);
    expect(printed).toMatch(
      /stopped at call 6 of the run, in step "cite_check", before it was sent/,
    );
    expect(printed).toMatch(/total cost {10}\$\d\.\d{4} {13}\$\d\.\d{4} {13}\$\d\.\d{4}/);
  });
});
