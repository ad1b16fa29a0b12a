import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { Guard } from "../../src/engine/guard.js";
import type { WebhookDeliveryError } from "../../src/hooks/errors.js";
import { WebhookHook, type WebhookEvents } from "../../src/hooks/webhook.js";
import { agentCall, nthCall, stubPricer } from "../fixtures/production/agent.js";
import { flakyReceiver } from "../fixtures/production/receiver.js";

type Receiver = Awaited<ReturnType<typeof flakyReceiver>>;
let receiver: Receiver;
beforeEach(async () => {
  receiver = await flakyReceiver();
});
afterEach(() => receiver.close());

/** Every event the hook fires, in order, as `[name, payload]`. */
function recordEvents(hook: WebhookHook) {
  const events: Array<[keyof WebhookEvents, Parameters<WebhookEvents["retry"]>[0] | object]> = [];
  hook.on("delivered", (e) => events.push(["delivered", e]));
  hook.on("retry", (e) => events.push(["retry", e]));
  hook.on("failed", (e) => events.push(["failed", e]));
  return events;
}

describe("the webhook hook against an endpoint that fails, hangs, then answers", () => {
  it("never holds up the agent, retries past both failures, alerts once per crossing", async () => {
    // Emit mode: the run goes on past its limit, so the trip fires again on every later call.
    const guard = new Guard({
      pricer: stubPricer,
      clock: new ManualClock(Date.UTC(2025, 5, 2)),
      policy: { maxCalls: 4, warnAtFraction: 0.5, onViolation: "emit" },
    });
    const delays: number[] = [];
    const hook = new WebhookHook({
      url: receiver.url,
      timeoutMs: 250,
      backoffMs: 100,
      delay: async (ms) => void delays.push(ms),
    });
    hook.attach(guard);
    const events = recordEvents(hook);
    let trips = 0;
    guard.on("trip", () => (trips += 1));

    await guard.run("runaway", async (run) => {
      for (let n = 1; n <= 7; n++) await agentCall(guard, run, nthCall(n));
    });

    // The agent has finished all seven calls; both alerts are still on their first attempt.
    expect(trips).toBe(3);
    expect(hook.pending).toBe(2);
    expect(events).toEqual([]);

    receiver.release();
    await hook.idle();

    // One alert per crossing: the warning at call 2 of 4, and the trip, each taken on attempt 3.
    const taken = receiver.received.filter((r) => r.attempt === 3).map((r) => JSON.parse(r.body));
    expect(taken.map((b) => b.agenttrace.kind).sort()).toEqual(["trip", "warning"]);
    expect(receiver.received).toHaveLength(6);

    const trip = taken.find((b) => b.agenttrace.kind === "trip");
    expect(trip.text).toMatch(
      /^agenttrace: run "runaway" \([0-9a-f-]{36}\) stopped by maxCalls: run made call 5 of at most/,
    );
    expect(trip.agenttrace).toMatchObject({
      run: { name: "runaway" },
      trip: {
        error: "CallLimitError",
        policy: "maxCalls",
        limit: 4,
        observed: 5,
        when: "before_call",
      },
      totals: { calls: 4 },
    });

    // The failures were events: a 500, then a timeout, for each alert; then the delivery.
    const byKind = (name: string) => events.filter(([n]) => n === name).map(([, e]) => e);
    const retries = byKind("retry") as Array<{ error: WebhookDeliveryError; delayMs: number }>;
    expect(retries.map((r) => r.error.message).sort()).toEqual([
      `webhook ${new URL(receiver.url).origin} answered HTTP 500 on attempt 1`,
      `webhook ${new URL(receiver.url).origin} answered HTTP 500 on attempt 1`,
      `webhook ${new URL(receiver.url).origin} did not answer within 250 ms on attempt 2`,
      `webhook ${new URL(receiver.url).origin} did not answer within 250 ms on attempt 2`,
    ]);
    expect(delays.sort()).toEqual([100, 100, 200, 200]);
    expect(byKind("delivered")).toEqual([
      expect.objectContaining({ attempts: 3, status: 200 }),
      expect.objectContaining({ attempts: 3, status: 200 }),
    ]);
    expect(byKind("failed")).toEqual([]);

    // The endpoint's path (where Slack keeps its secret) appears in no event.
    expect(JSON.stringify(events)).not.toContain("secret-path");
  });
});
