import { describe, expect, it } from "vitest";
import { MemoryBudgetStore } from "../../src/budget/memory.js";
import { ManualClock } from "../../src/clock.js";
import {
  isBudgetExceededError,
  isCallLimitError,
  type PolicyViolationError,
} from "../../src/engine/errors.js";
import type { Warning } from "../../src/engine/events.js";
import { Guard } from "../../src/engine/guard.js";
import { usdToMoney } from "../../src/money.js";
import type { PolicyConfig } from "../../src/policies/config.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { createRecord } from "../../src/record/record.js";
import { EMPTY_USAGE } from "../../src/record/usage.js";
import { callCosting } from "../helpers.js";

/** A pricer under which every call costs exactly its output tokens in cents: exact estimates. */
const centsPerToken = {
  price: (_model: string, usage: { outputTokens: number }) => ({
    priced: true as const,
    cost: usage.outputTokens * usdToMoney(0.01),
    modelId: "test",
    longContext: false,
  }),
  rates: () => undefined,
};

function guardWith(policy: PolicyConfig) {
  return new Guard({ policy, pricer: centsPerToken, clock: new ManualClock() });
}

/** Makes one call costing `usd`, checked before and recorded after, as the middleware does. */
async function call(guard: Guard, run: ReturnType<Guard["startRun"]>, usd: number, step?: string) {
  const cents = Math.round(usd * 100);
  const tags: Record<string, string> = step ? { step } : {};
  const ticket = await guard.beforeCall(run, {
    model: "m",
    tags,
    usage: { ...EMPTY_USAGE, outputTokens: cents },
  });
  await guard.afterCall(ticket, createRecord(callCosting(usd, { tags }), defaultPricer));
}

async function refusal(promise: Promise<unknown>): Promise<PolicyViolationError> {
  try {
    await promise;
  } catch (error) {
    return error as PolicyViolationError;
  }
  throw new Error("expected a refusal");
}

describe("a hard budget", () => {
  it("admits three calls of $0.30 under $1.00, refuses the fourth before it is sent", async () => {
    const guard = guardWith({ maxCostUsd: 1 });
    const run = guard.startRun("budget");

    for (let i = 0; i < 3; i++) await call(guard, run, 0.3);
    const error = await refusal(call(guard, run, 0.3));

    expect(isBudgetExceededError(error)).toBe(true);
    expect(error).toMatchObject({ policy: "maxCostUsd", limit: 1, when: "before_call", call: 4 });
    expect(error.observed).toBeCloseTo(1.2, 10);
    expect(error.message).toBe(
      "run budget: this call's projected $0.3000 on top of $0.9000 spent and $0.0000 in flight " +
        "would reach $1.2000, above the $1.0000 limit (policy maxCostUsd); raise the limit, " +
        "lower max_tokens, or stop the loop",
    );
    expect(run.summary()).toMatchObject({ calls: 3, cost_usd: 0.9 });
  });

  it("admits ten calls of $1.00 under $10.00 and warns once at warnAtFraction", async () => {
    const guard = guardWith({ maxCostUsd: 10, warnAtFraction: 0.8 });
    const warnings: Warning[] = [];
    guard.on("warning", ({ warning }) => warnings.push(warning));
    const run = guard.startRun("exact");

    for (let i = 0; i < 10; i++) await call(guard, run, 1);

    expect(run.summary()).toMatchObject({ calls: 10, cost_usd: 10 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ policy: "maxCostUsd", call: 8, fraction: 0.8 });
  });

  it("holds a step's own budget apart from the run's", async () => {
    const guard = guardWith({ steps: { cite_check: { maxCostUsd: 0.5 } } });
    const run = guard.startRun("steps");

    await call(guard, run, 0.5, "cite_check");
    await call(guard, run, 2, "search");
    const error = await refusal(call(guard, run, 0.01, "cite_check"));
    expect(error).toMatchObject({ policy: "steps.cite_check.maxCostUsd", step: "cite_check" });
  });
});

describe("call limits", () => {
  it("admits exactly 3 calls of a step limited to 3: no off-by-one either way", async () => {
    const guard = guardWith({ maxCallsPerStep: 3 });
    const run = guard.startRun("calls");

    for (let i = 0; i < 3; i++) await call(guard, run, 0.01, "cite_check");
    await call(guard, run, 0.01, "search");
    const error = await refusal(call(guard, run, 0.01, "cite_check"));

    expect(isCallLimitError(error)).toBe(true);
    expect(error).toMatchObject({ policy: "maxCallsPerStep", limit: 3, observed: 4 });
    expect(error.message).toBe(
      'step "cite_check" made call 4 of at most 3 (policy maxCallsPerStep); raise the limit ' +
        "if the work needs it, or fix the loop that repeats the call",
    );
    expect(run.byTag("step").get("cite_check")?.calls).toBe(3);
  });

  it("takes per-step overrides over the general step limit", async () => {
    const guard = guardWith({ maxCallsPerStep: 10, steps: { cite_check: { maxCalls: 1 } } });
    const run = guard.startRun("override");

    await call(guard, run, 0.01, "cite_check");
    const error = await refusal(call(guard, run, 0.01, "cite_check"));
    expect(error.policy).toBe("steps.cite_check.maxCalls");
  });
});

describe("calls in flight", () => {
  it("lets two of four parallel calls run against a budget that fits two", async () => {
    const guard = guardWith({ maxCostUsd: 1 });
    const run = guard.startRun("parallel");
    const plan = { model: "m", usage: { ...EMPTY_USAGE, outputTokens: 50 } };

    const results = await Promise.allSettled([1, 2, 3, 4].map(() => guard.beforeCall(run, plan)));
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");

    expect(admitted).toHaveLength(2);
    expect(refused).toHaveLength(2);
    expect(await guard.budgets.read(`run:${run.id}`)).toEqual({
      spent: 0,
      reserved: usdToMoney(1),
    });
  });

  it("counts calls in flight against call limits too", async () => {
    const guard = guardWith({ maxCallsPerStep: 3 });
    const run = guard.startRun("parallel-calls");
    const plan = { model: "m", tags: { step: "fetch" }, usage: EMPTY_USAGE };

    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map(() => guard.beforeCall(run, plan)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
  });

  it("releases a failed call's reservation", async () => {
    const guard = guardWith({ maxCostUsd: 1 });
    const run = guard.startRun("release");
    const plan = { model: "m", usage: { ...EMPTY_USAGE, outputTokens: 100 } };

    await guard.cancelCall(await guard.beforeCall(run, plan));
    await guard.cancelCall(await guard.beforeCall(run, plan));
    expect(await guard.budgets.read(`run:${run.id}`)).toEqual({ spent: 0, reserved: 0 });
  });
});

describe("where budgets live", () => {
  it("keeps a run's own budgets in memory and sends only shared budgets to the store", async () => {
    const keys: string[] = [];
    const shared = new MemoryBudgetStore();
    const reserve = shared.reserve.bind(shared);
    shared.reserve = async (request) => {
      keys.push(request.key);
      return reserve(request);
    };
    const guard = new Guard({
      policy: {
        maxCostUsd: 1,
        sharedBudgets: [{ name: "daily", scope: ["tenant"], limitUsd: 5, window: "day" }],
      },
      pricer: centsPerToken,
      clock: new ManualClock(Date.UTC(2026, 11, 3, 12)),
      store: shared,
    });
    const run = guard.startRun("tenant-run", { tags: { tenant: "acme" } });

    await call(guard, run, 0.25);
    expect(keys).toEqual(["agenttrace:budget:daily:tenant=acme:day=2026-12-03"]);
    expect(await guard.budgets.read(`run:${run.id}`)).toMatchObject({ spent: usdToMoney(0.25) });

    // A finished run's budgets are dropped; the shared budget keeps its spend.
    guard.finishRun(run);
    expect(await guard.budgets.read(`run:${run.id}`)).toEqual({ spent: 0, reserved: 0 });
    expect((await shared.read(keys[0]!)).spent).toBe(usdToMoney(0.25));
  });
});
