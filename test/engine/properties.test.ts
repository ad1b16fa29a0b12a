import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { isBudgetExceededError } from "../../src/engine/errors.js";
import { Guard, type Ticket } from "../../src/engine/guard.js";
import { usdToMoney } from "../../src/money.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { createRecord } from "../../src/record/record.js";
import { EMPTY_USAGE } from "../../src/record/usage.js";
import { callCosting } from "../helpers.js";

// Each call costs exactly its output tokens in tenths of a cent, and is projected exactly so.
const milli = usdToMoney(0.001);
const exactPricer = {
  price: (_m: string, usage: { outputTokens: number }) => ({
    priced: true as const,
    cost: usage.outputTokens * milli,
    modelId: "test",
    longContext: false,
  }),
  rates: () => undefined,
};

describe("the budget (property)", () => {
  it("never lets spend pass the hard budget when estimates are exact", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(
          fc.array(fc.record({ cost: fc.nat(800), fails: fc.boolean() }), {
            minLength: 1,
            maxLength: 6,
          }),
          { maxLength: 25 },
        ),
        async (budgetMilli, batches) => {
          const guard = new Guard({
            policy: { maxCostUsd: budgetMilli / 1000 },
            pricer: exactPricer,
            clock: new ManualClock(),
          });
          const run = guard.startRun("prop");
          const limit = budgetMilli * milli;

          for (const batch of batches) {
            // A batch is a set of calls in flight at once.
            const tickets = await Promise.allSettled(
              batch.map((c) =>
                guard.beforeCall(run, {
                  model: "m",
                  usage: { ...EMPTY_USAGE, outputTokens: c.cost },
                }),
              ),
            );
            const state = await guard.budgets.read(`run:${run.id}`);
            expect(state.spent + state.reserved).toBeLessThanOrEqual(limit);

            await Promise.all(
              tickets.map(async (t, i) => {
                if (t.status === "rejected") {
                  expect(isBudgetExceededError(t.reason)).toBe(true);
                  return;
                }
                const c = batch[i]!;
                if (c.fails) return guard.cancelCall(t.value as Ticket);
                const record = createRecord(callCosting(c.cost / 1000), defaultPricer);
                return guard.afterCall(t.value as Ticket, record);
              }),
            );
            expect(run.totals.cost).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("listeners (property)", () => {
  it("see the same events in any registration order, even when one throws", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...permutations([0, 1, 2, 3])), async (order) => {
        const guard = new Guard({
          policy: { maxCostUsd: 1, warnAtFraction: 0.5 },
          pricer: exactPricer,
          clock: new ManualClock(),
        });
        const seen: string[][] = [[], [], [], []];
        const errors: string[] = [];
        guard.on("listenerError", ({ event }) => errors.push(event));

        const listeners = [
          (name: string) => seen[0]!.push(name),
          (name: string) => seen[1]!.push(name),
          (name: string) => {
            seen[2]!.push(name);
            throw new Error("a broken alert hook");
          },
          async (name: string) => {
            seen[3]!.push(name);
            throw new Error("a broken async sink");
          },
        ];
        for (const i of order) {
          const listener = listeners[i]!;
          guard.on("call", ({ call }) => listener(`call ${call}`));
          guard.on("warning", ({ warning }) => listener(`warn ${warning.policy}`));
          guard.on("runEnd", ({ summary }) => listener(`end ${summary.calls}`));
        }

        const run = guard.startRun("listeners");
        for (let i = 0; i < 3; i++) {
          const usage = { ...EMPTY_USAGE, outputTokens: 300 };
          const ticket = await guard.beforeCall(run, { model: "m", usage });
          await guard.afterCall(ticket, createRecord(callCosting(0.3), defaultPricer));
        }
        const summary = guard.finishRun(run);
        await new Promise((resolve) => setImmediate(resolve));

        const expected = ["call 1", "call 2", "warn maxCostUsd", "call 3", "end 3"];
        for (const events of seen) expect(events).toEqual(expected);
        expect(errors).toHaveLength(2 * expected.length);
        expect(summary).toMatchObject({ calls: 3, outcome: "completed" });
      }),
    );
  });
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}
