import type { RunSummary } from "../run/summary.js";

/** The report JSON: `{"runs": [...]}`, one summary per run. Documented in the README. */
export function formatJsonReport<T extends RunSummary>(runs: T[]): string {
  return JSON.stringify({ runs }, null, 2) + "\n";
}
