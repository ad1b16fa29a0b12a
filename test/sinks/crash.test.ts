import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { readRecording } from "../../src/readers/read.js";
import { createRecord } from "../../src/record/record.js";
import { nthCall, stubPricer } from "../fixtures/production/agent.js";
import { buildChild, exited, startChild, waitForMessage } from "../fixtures/production/child.js";

let bundle: string;
let dir: string;
beforeAll(async () => {
  bundle = await buildChild();
  dir = mkdtempSync(join(tmpdir(), "agenttrace-crash-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a process killed with SIGKILL mid-run", () => {
  it("leaves every call it completed in its JSONL file", async () => {
    const trace = join(dir, "killed.jsonl");
    const child = startChild(bundle, ["kill", trace, join(dir, "unused.txt")]);

    // Kill it while it is calling away, well into the run.
    const seen = await waitForMessage(child, (m) => (m.calls ?? 0) >= 20);
    child.kill("SIGKILL");
    const end = await exited(child);
    expect(end.signal).toBe("SIGKILL");

    const recording = await readRecording(trace, stubPricer);
    const records = recording.runs[0]?.records ?? [];

    // Every call reported complete before the kill is there, in order, with its exact figures;
    // at most the call being written when the kill landed is torn (reported, never fatal).
    expect(records.length).toBeGreaterThanOrEqual(seen.calls!);
    expect(recording.issues.length).toBeLessThanOrEqual(1);
    for (const issue of recording.issues) expect(issue.line).toBe(records.length + 1);

    const expected = records.map((_, i) => createRecord(nthCall(i + 1), stubPricer));
    expect(records.map(strip)).toEqual(expected.map(strip));
  });
});

// The file stores the cost a call had, so its records read back as `given`.
function strip<T extends { costSource: string }>({ costSource, ...rest }: T) {
  return rest;
}
