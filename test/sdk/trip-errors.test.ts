// However the agent makes its calls, a run stopped by a policy ends `tripped`, with the policy's
// typed error, not with the SDK's wrapping of it.
import { describe, expect, test } from "vitest";

import { isCallLimitError, type PolicyViolationError } from "../../src/engine/errors.js";
import { Guard } from "../../src/engine/guard.js";
import { defaultPricer } from "../../src/pricing/index.js";
import type { RunSummary } from "../../src/run/summary.js";
import { currentSignal, violationOf } from "../../src/sdk/index.js";
import { useMockServer } from "../testing/helpers.js";
import { harness, MODEL } from "./helpers.js";

const start = useMockServer();

const ask = {
  model: MODEL,
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "hi" }],
};

describe("a run stopped by a policy", () => {
  test("with the run's signal on every call: each refusal is the policy's error", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const { guard, client, events } = harness(server, { maxCalls: 1 });
    const inside: Array<PolicyViolationError | undefined> = [];

    const failure = await guard
      .run("agent", async () => {
        await client.messages.create(ask, { signal: currentSignal(guard) });
        // The second call trips the run and aborts its signal; the third is aborted by the SDK.
        for (let i = 0; i < 2; i++) {
          try {
            await client.messages.create(ask, { signal: currentSignal(guard) });
          } catch (error) {
            inside.push(violationOf(error));
          }
        }
        await client.messages.create(ask, { signal: currentSignal(guard) });
      })
      .catch((error: unknown) => error);

    expect(inside.map((e) => isCallLimitError(e))).toEqual([true, true]);
    expect(inside[1]).toBe(inside[0]);
    expect(isCallLimitError(failure)).toBe(true);
    expect(events.runEnd![0]!.summary).toMatchObject({ outcome: "tripped", calls: 1 });
    expect(events.runEnd![0]!.summary.end_reason).toMatch(/at most 1/);
    expect(server.requests).toHaveLength(1);
  });

  test("through messages.stream(): the run ends tripped, with the policy's error unwrapped", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const { guard, client, events } = harness(server, { maxCalls: 1 });

    const failure = await guard
      .run("agent", async () => {
        for (let i = 0; i < 2; i++) await client.messages.stream(ask).finalMessage();
      })
      .catch((error: unknown) => error);

    expect(isCallLimitError(failure)).toBe(true);
    expect(events.runEnd![0]!.summary).toMatchObject({ outcome: "tripped", calls: 1 });
  });

  test("an abort of the agent's own, in a run that was not stopped, is a failure", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const { guard, client, events } = harness(server, { maxCalls: 5 });
    const aborted = new AbortController();
    aborted.abort();

    const failure = await guard
      .run("agent", () => client.messages.create(ask, { signal: aborted.signal }))
      .catch((error: unknown) => error);

    expect(violationOf(failure)).toBeUndefined();
    expect(failure).toMatchObject({ name: "APIUserAbortError" });
    expect(events.runEnd![0]!.summary).toMatchObject({ outcome: "failed" });
  });

  test("nested in a stopped run, a run of its own ends by its own trip, or fails", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const { guard, client, events } = harness(server, { maxCalls: 1 });
    const aborted = new AbortController();
    aborted.abort();
    let innerTrip: PolicyViolationError | undefined;
    const failures: unknown[] = [];

    await guard
      .run("outer", async () => {
        await client.messages.create(ask);
        await client.messages.create(ask).catch(() => undefined);

        // An abort of the agent's own in a run that was not stopped: that run failed.
        failures.push(
          await guard
            .run("aborted", () => client.messages.create(ask, { signal: aborted.signal }))
            .catch((error: unknown) => error),
        );
        // A run stopped by its own limit, then aborted by its own signal: its own trip.
        failures.push(
          await guard
            .run("tripped", async (run) => {
              await client.messages.create(ask, { signal: currentSignal(guard) });
              await client.messages.create(ask).catch(() => undefined);
              innerTrip = guard.tripOf(run);
              await client.messages.create(ask, { signal: currentSignal(guard) });
            })
            .catch((error: unknown) => error),
        );
      })
      .catch(() => undefined);

    const outcome = (name: string) =>
      events.runEnd!.find((e) => e.run.name === name)!.summary.outcome;
    expect(outcome("aborted")).toBe("failed");
    expect(failures[0]).toMatchObject({ name: "APIUserAbortError" });
    expect(outcome("tripped")).toBe("tripped");
    expect(innerTrip).toMatchObject({ run: "tripped" });
    expect(failures[1]).toBe(innerTrip);
  });

  test("a run of another guard nested in a stopped run is not stopped by it", async () => {
    const server = await start({ respond: () => ({ content: "ok" }) });
    const { guard, client } = harness(server, { maxCalls: 1 });
    const other = new Guard({ policy: {}, pricer: defaultPricer });
    const ends: RunSummary[] = [];
    other.on("runEnd", ({ summary }) => void ends.push(summary));
    const abort = Object.assign(new Error("the user cancelled"), { name: "AbortError" });
    let inside: PolicyViolationError | undefined;

    await guard
      .run("stopped", async () => {
        await client.messages.create(ask);
        await client.messages.create(ask).catch(() => undefined);
        await other
          .run("other", () => {
            inside = violationOf(abort);
            throw abort;
          })
          .catch(() => undefined);
      })
      .catch(() => undefined);

    expect(inside).toBeUndefined();
    expect(ends).toMatchObject([{ run: "other", outcome: "failed" }]);
  });
});
