import { z } from "zod";
import { SharedBudgetSchema } from "../budget/windows.js";

// Descriptions live in the schema itself, so editors show them from the generated JSON Schema.

const usd = z.number().finite().nonnegative("must be a dollar amount >= 0");
const count = z.number().int("must be a whole number").positive("must be >= 1");

const stepLimits = z.strictObject({
  maxCalls: count.optional().describe("Calls this step may make in one run."),
  maxCostUsd: usd.optional().describe("Dollars (USD) this step may spend in one run."),
});

const inputGrowth = z
  .strictObject({
    minTokensPerCall: count
      .default(1000)
      .describe(
        "Growth per call that counts, in input-token equivalents: each prompt token weighted by " +
          "its price relative to uncached input (cache reads 0.1, 5-minute writes 1.25, 1-hour " +
          "writes 2), so history served from cache grows cheaply and re-sent history does not.",
      ),
    consecutiveCalls: count
      .min(2, "must be >= 2")
      .default(3)
      .describe("How many growing calls in a row make a runaway."),
  })
  .describe("Prompt growth from call to call within a step and model: re-attached history.");

/**
 * A policy: what the guard watches and the limits it enforces. A policy guards exactly what it
 * lists; `extends` builds on another policy, and `null` switches an inherited guard off.
 */
export const PolicySchema = z.strictObject({
  $schema: z.string().optional(),
  extends: z
    .string()
    .optional()
    .describe("A policy to build on: default, strict, budgeted, or a path relative to this file."),
  description: z.string().optional(),
  onViolation: z
    .enum(["throw", "emit"])
    .optional()
    .describe("throw (default): a trip throws to the agent. emit: events only, the run goes on."),
  warnAtFraction: z
    .number()
    .gt(0)
    .lt(1)
    .nullish()
    .describe("Share of a limit (0 < f < 1) at which a warning fires, once per crossing."),
  maxCostUsd: usd
    .nullish()
    .describe("Hard budget per run, USD. Reaching it exactly is allowed; passing it is not."),
  maxCostUsdPerStep: usd.nullish().describe("Hard budget per step (every step), USD."),
  maxCalls: count.nullish().describe("Calls per run."),
  maxCallsPerStep: count.nullish().describe("Calls per step, for calls tagged with a step."),
  maxInputTokensPerCall: count
    .nullish()
    .describe("Largest prompt one call may send, in tokens (uncached input plus cache tokens)."),
  inputGrowth: inputGrowth.nullish(),
  maxIdenticalToolCalls: count
    .nullish()
    .describe("Identical tool requests (same name, same input) a run may make in a row."),
  steps: z
    .record(z.string(), stepLimits)
    .nullish()
    .describe('Per-step overrides, e.g. {"cite_check": {"maxCalls": 1, "maxCostUsd": 0.5}}.'),
  sharedBudgets: z
    .array(SharedBudgetSchema)
    .nullish()
    .describe("Budgets shared across runs and processes, kept in the guard's budget store."),
});

export type PolicyFile = z.input<typeof PolicySchema>;

/** A policy after `extends` is resolved and switched-off guards removed. */
export type PolicyConfig = {
  [K in Exclude<keyof z.output<typeof PolicySchema>, "$schema" | "extends">]?: NonNullable<
    z.output<typeof PolicySchema>[K]
  >;
};
