import { budgetPot, defineSharedBudget, type SharedBudgetInput } from "../budget/windows.js";
import { usdToMoney } from "../money.js";
import type { BudgetLine, CallPlan, Policy } from "./policy.js";

export interface BudgetOptions {
  /** Hard budget per run, USD. */
  maxCostUsd?: number;
  /** Hard budget per step, USD, for calls tagged with a step. */
  maxCostUsdPerStep?: number;
  /** Per-step overrides of `maxCostUsdPerStep`. */
  steps?: Record<string, { maxCostUsd?: number }>;
  /** Budgets shared across runs and processes. */
  sharedBudgets?: SharedBudgetInput[];
}

/** Where a run's own budgets live in the store: `run:<run id>`, then `:step:<step>` per step. */
export function runBudgetKey(runId: string): string {
  return `run:${runId}`;
}

/** True for a key of a run's own budgets (kept in the engine's memory, never shared). */
export function isRunBudgetKey(key: string): boolean {
  return key.startsWith("run:");
}

/**
 * Dollar budgets. This policy does not vote: it names the budgets a call must reserve its
 * projected cost against, and the engine reserves them atomically in the budget store, so calls
 * in flight at the same time cannot all pass a check that only one of them fits.
 */
export function budgetPolicy(options: BudgetOptions): Policy {
  const shared = (options.sharedBudgets ?? []).map(defineSharedBudget);
  const runLimit = options.maxCostUsd === undefined ? undefined : usdToMoney(options.maxCostUsd);

  return {
    name: "budget",

    budgets(plan: CallPlan): BudgetLine[] {
      const lines: BudgetLine[] = [];
      const runKey = runBudgetKey(plan.run.id);

      if (runLimit !== undefined) {
        lines.push({
          policy: "maxCostUsd",
          key: runKey,
          limit: runLimit,
          label: "run budget",
          shared: false,
        });
      }

      const step = plan.step;
      const override = step === undefined ? undefined : options.steps?.[step]?.maxCostUsd;
      const stepLimit = override ?? options.maxCostUsdPerStep;
      if (step !== undefined && stepLimit !== undefined) {
        lines.push({
          policy: override !== undefined ? `steps.${step}.maxCostUsd` : "maxCostUsdPerStep",
          key: `${runKey}:step:${step}`,
          limit: usdToMoney(stepLimit),
          label: `step "${step}" budget`,
          shared: false,
        });
      }

      const tags = shared.length === 0 ? {} : { ...plan.run.tags, ...plan.tags };
      for (const budget of shared) {
        const pot = budgetPot(budget, tags, plan.now);
        const line: BudgetLine = {
          policy: `sharedBudgets.${budget.name}`,
          key: pot.key,
          limit: pot.limit,
          label: `shared budget "${budget.name}" (${pot.key})`,
          shared: true,
        };
        if (pot.windowEndsAt !== undefined) line.windowEndsAt = pot.windowEndsAt;
        lines.push(line);
      }
      return lines;
    },
  };
}
