import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { readRecording } from "../../src/readers/read.js";
import { createRecord } from "../../src/record/record.js";
import { nthCall, stubPricer } from "../fixtures/production/agent.js";
import {
  buildChild,
  exited,
  startChild,
  waitForMessage,
  type ChildMessage,
} from "../fixtures/production/child.js";

let bundle: string;
let dir: string;
beforeAll(async () => {
  bundle = await buildChild();
  dir = mkdtempSync(join(tmpdir(), "agenttrace-crash-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a process killed with SIGKILL mid-run", () => {
  it("loses at most the call in flight; every other completed call is on disk", async () => {
    const trace = join(dir, "killed.jsonl");
    const child = startChild(bundle, ["kill", trace, join(dir, "unused.txt")]);
    let completed = 0;
    child.on("message", (m: ChildMessage) => (completed = Math.max(completed, m.calls ?? 0)));

    // Kill it while it is calling away, well into the run.
    await waitForMessage(child, (m) => (m.calls ?? 0) >= 10);
    child.kill("SIGKILL");
    const end = await exited(child);
    expect(end.signal).toBe("SIGKILL");

    const recording = await readRecording(trace, stubPricer);
    const records = recording.runs[0]?.records ?? [];

    // The child reports a call once it has completed. The kill can land before the last one's
    // write reaches the OS (lost), or after a write but before its report (one more on disk).
    expect(records.length).toBeGreaterThanOrEqual(completed - 1);
    expect(records.length).toBeLessThanOrEqual(completed + 1);

    // A write the kill cut short is a torn last line: reported with its number, never fatal.
    expect(recording.issues.length).toBeLessThanOrEqual(1);
    for (const issue of recording.issues) expect(issue.line).toBe(records.length + 1);

    // What is there is every call in order, with its exact figures.
    const expected = records.map((_, i) => createRecord(nthCall(i + 1), stubPricer));
    expect(records.map(strip)).toEqual(expected.map(strip));
  });
});

describe("a process killed with SIGKILL mid-run, its sink writing synchronously", () => {
  it("keeps every completed call on disk", async () => {
    const trace = join(dir, "killed-sync.jsonl");
    const child = startChild(bundle, ["kill-sync", trace, join(dir, "unused.txt")]);
    let completed = 0;
    child.on("message", (m: ChildMessage) => (completed = Math.max(completed, m.calls ?? 0)));

    await waitForMessage(child, (m) => (m.calls ?? 0) >= 10);
    child.kill("SIGKILL");
    await exited(child);

    const recording = await readRecording(trace, stubPricer);
    const records = recording.runs[0]?.records ?? [];

    // Each line reached the OS before its call was reported: every reported call is there, and
    // at most one more, whose report the kill cut off. No line is torn.
    expect(records.length).toBeGreaterThanOrEqual(completed);
    expect(records.length).toBeLessThanOrEqual(completed + 1);
    expect(recording.issues).toEqual([]);
    const expected = records.map((_, i) => createRecord(nthCall(i + 1), stubPricer));
    expect(records.map(strip)).toEqual(expected.map(strip));
  });
});

// The file stores the cost a call had, so its records read back as `given`.
function strip<T extends { costSource: string }>({ costSource, ...rest }: T) {
  return rest;
}
