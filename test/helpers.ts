import { fileURLToPath } from "node:url";
import type { CallInput } from "../src/record/record.js";

/** Absolute path of a file under test/fixtures. */
export function fixture(path: string): string {
  return fileURLToPath(new URL(`./fixtures/${path}`, import.meta.url));
}

/** A call with a given cost, for tests about counting and budgets rather than prices. */
export function callCosting(costUsd: number, extra: Partial<CallInput> = {}): CallInput {
  return {
    model: "claude-sonnet-4-5",
    usage: { input_tokens: 1000, output_tokens: 100 },
    latencyMs: 1000,
    costUsd,
    ...extra,
  };
}
