import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { guardMiddleware } from "../../src/sdk/index.js";
import { MODEL } from "./helpers.js";
import { useMockServer } from "../testing/helpers.js";

const start = useMockServer();

describe("two guards on one client", () => {
  test("both record a JSON call, and the agent gets its reply", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const clock = new ManualClock(Date.UTC(2026, 0, 5));
    const team = new Guard({ pricer: defaultPricer, clock, policy: { maxCostUsd: 5 } });
    const tenant = new Guard({ pricer: defaultPricer, clock, policy: { maxCostUsd: 1 } });
    const client = new Anthropic({
      baseURL: server.url,
      apiKey: "sk-test",
      middleware: [guardMiddleware(team), guardMiddleware(tenant)],
    });

    const reply = await client.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: "user", content: "hello" }],
    });

    expect(reply.content).toEqual([{ type: "text", text: "ok" }]);
    for (const guard of [team, tenant]) {
      const [run] = guard.liveRuns();
      expect(run?.totals.calls).toBe(1);
    }
  });
});
