import { z } from "zod";

const usd = z.number().finite().nonnegative("must be a dollar amount >= 0");
const count = z.number().int("must be a whole number").positive("must be >= 1");

const stepLimits = z.strictObject({
  /** Calls this step may make in one run. */
  maxCalls: count.optional(),
  /** Dollars this step may spend in one run. */
  maxCostUsd: usd.optional(),
});

/** A budget shared by every run whose tags match its scope, e.g. a daily budget per tenant. */
export const SharedBudgetSchema = z.strictObject({
  /** A name for the budget, part of its store key. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "use letters, digits, _ . - only"),
  /** Tag keys whose values pick the budget, e.g. `["tenant"]`: one budget per tenant. */
  scope: z.array(z.string().min(1)).default([]),
  limitUsd: usd,
  /** A calendar window (UTC) after which the budget starts afresh; `none` never resets. */
  window: z.enum(["none", "hour", "day", "month"]).default("none"),
});

/**
 * A policy: what the guard watches and the limits it enforces. A policy guards exactly what it
 * lists; `extends` builds on another policy, and `null` switches an inherited guard off.
 */
export const PolicySchema = z.strictObject({
  $schema: z.string().optional(),
  /** A policy to build on: `default`, `strict`, `budgeted`, or a path relative to this file. */
  extends: z.string().optional(),
  description: z.string().optional(),
  /** `throw` (default): a trip throws to the agent. `emit`: events only, the run goes on. */
  onViolation: z.enum(["throw", "emit"]).optional(),
  /** Share of a limit (0 < f < 1) at which a warning fires once. */
  warnAtFraction: z.number().gt(0).lt(1).nullish(),
  /** Hard budget per run in USD. Reaching it exactly is allowed; passing it is not. */
  maxCostUsd: usd.nullish(),
  /** Hard budget per step (every step) in USD. */
  maxCostUsdPerStep: usd.nullish(),
  /** Calls per run. */
  maxCalls: count.nullish(),
  /** Calls per step, for calls tagged with a `step`. */
  maxCallsPerStep: count.nullish(),
  /** Largest prompt one call may send, in tokens (uncached input plus cache reads and writes). */
  maxInputTokensPerCall: count.nullish(),
  /** Prompt growth from call to call within a step and model: the re-attached-history pattern. */
  inputGrowth: z
    .strictObject({
      /**
       * Growth per call that counts, in input-token equivalents: each prompt token weighted by its
       * price relative to uncached input (cache reads 0.1, 5-minute writes 1.25, 1-hour writes 2),
       * so a history served from cache grows cheaply and a re-sent one does not.
       */
      minTokensPerCall: count.default(1000),
      /** How many growing calls in a row make a runaway. */
      consecutiveCalls: count.min(2, "must be >= 2").default(3),
    })
    .nullish(),
  /** Identical tool requests (same name, same input) in a row that a run may make. */
  maxIdenticalToolCalls: count.nullish(),
  /** Per-step overrides, e.g. `{"cite_check": {"maxCalls": 1, "maxCostUsd": 0.5}}`. */
  steps: z.record(z.string(), stepLimits).nullish(),
  /** Budgets shared across runs and processes (kept in the guard's budget store). */
  sharedBudgets: z.array(SharedBudgetSchema).nullish(),
});

export type PolicyFile = z.input<typeof PolicySchema>;

/** A policy after `extends` is resolved and switched-off guards removed. */
export type PolicyConfig = {
  [K in Exclude<keyof z.output<typeof PolicySchema>, "$schema" | "extends">]?: NonNullable<
    z.output<typeof PolicySchema>[K]
  >;
};

export type SharedBudget = z.output<typeof SharedBudgetSchema>;
export type StepLimits = z.output<typeof stepLimits>;
