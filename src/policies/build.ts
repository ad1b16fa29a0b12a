import { budgetPolicy } from "./budget.js";
import type { PolicyConfig } from "./config.js";
import { identicalToolCallsPolicy } from "./identical-tool-calls.js";
import { inputGrowthPolicy } from "./input-growth.js";
import { maxCallsPolicy } from "./max-calls.js";
import { maxInputTokensPolicy } from "./max-input-tokens.js";
import type { Policy } from "./policy.js";

/** The policy objects a config asks for: exactly what it lists, nothing more. */
export function buildPolicies(config: PolicyConfig): Policy[] {
  const policies: Policy[] = [];

  const stepCosts = Object.values(config.steps ?? {}).some((s) => s.maxCostUsd !== undefined);
  if (
    config.maxCostUsd !== undefined ||
    config.maxCostUsdPerStep !== undefined ||
    stepCosts ||
    (config.sharedBudgets?.length ?? 0) > 0
  ) {
    policies.push(budgetPolicy(config));
  }

  const stepCalls = Object.values(config.steps ?? {}).some((s) => s.maxCalls !== undefined);
  if (config.maxCalls !== undefined || config.maxCallsPerStep !== undefined || stepCalls) {
    policies.push(maxCallsPolicy(config));
  }

  if (config.maxInputTokensPerCall !== undefined) {
    policies.push(maxInputTokensPolicy(config.maxInputTokensPerCall));
  }
  if (config.inputGrowth !== undefined) policies.push(inputGrowthPolicy(config.inputGrowth));
  if (config.maxIdenticalToolCalls !== undefined) {
    policies.push(identicalToolCallsPolicy(config.maxIdenticalToolCalls));
  }
  return policies;
}
