import { describe, expect, test } from "vitest";

import { isBudgetExceededError } from "../../src/engine/errors.js";
import { currentSignal, remainingBudgetUsd } from "../../src/sdk/index.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL, words } from "./helpers.js";

const start = useMockServer();

// Haiku 4.5: $1/M input, $5/M output. A 10-token prompt with max_tokens 1,000 projects
// $0.00501, above a $0.004 budget, which can pay for (0.004 - 0.00001) / 0.000005 = 798 tokens.
const ask = {
  model: MODEL,
  max_tokens: 1000,
  messages: [{ role: "user" as const, content: words(10) }],
};
const BUDGET = { maxCostUsd: 0.004 };

describe("winding a run down", () => {
  test("lowers max_tokens to what the remaining budget can pay for", async () => {
    const server = await start({ respond: [{ content: "short answer", outputTokens: 3 }] });
    const { guard, client, events } = harness(server, BUDGET, { windDown: true });

    const left = await guard.run("agent", async () => {
      expect(await remainingBudgetUsd(guard)).toBe(0.004);
      await client.messages.create(ask);
      return remainingBudgetUsd(guard);
    });

    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 798 });
    expect(events.windDown).toEqual([
      expect.objectContaining({ requested: 1000, allowed: 798, remainingUsd: 0.004 }),
    ]);
    // 10 input tokens and 3 output tokens spent: $0.000025.
    expect(left).toBeCloseTo(0.003975, 12);
  });

  test("without wind-down the same call is refused", async () => {
    const server = await start({ respond: [{ content: "never" }] });
    const { guard, client } = harness(server, BUDGET);

    const error = await guard.run("agent", () => client.messages.create(ask)).catch((e) => e);

    expect(isBudgetExceededError(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  test("leaves a call the budget cannot pay minOutputTokens for to be refused", async () => {
    const server = await start({ respond: [{ content: "never" }] });
    const { guard, client, events } = harness(server, BUDGET, {
      windDown: { minOutputTokens: 900 },
    });

    const error = await guard.run("agent", () => client.messages.create(ask)).catch((e) => e);

    expect(isBudgetExceededError(error)).toBe(true);
    expect(events.windDown).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
  });

  test("hands agent code the run's signal, which aborts when the run is stopped", async () => {
    const server = await start({ respond: [{ content: "one" }] });
    const { guard, client } = harness(server, { maxCalls: 1 });

    const signal = await guard.run("agent", async () => {
      const signal = currentSignal(guard)!;
      await client.messages.create(ask, { signal });
      expect(signal.aborted).toBe(false);
      await client.messages.create(ask, { signal }).catch(() => undefined);
      return signal;
    });

    expect(signal.aborted).toBe(true);
    expect(currentSignal(guard)).toBeUndefined();
  });
});
