import { EventEmitter } from "eventemitter3";
import { afterEach, describe, expect, it } from "vitest";

import { ManualClock } from "../../src/clock.js";
import { CallLimitError } from "../../src/engine/errors.js";
import type { GuardEvents, Warning } from "../../src/engine/events.js";
import { isInvalidInputError } from "../../src/errors.js";
import { WebhookHook, type WebhookHookOptions } from "../../src/hooks/webhook.js";
import { Run } from "../../src/run/run.js";
import { nthCall, stubPricer } from "../fixtures/production/agent.js";

const SECRET_KEY = "sk-ant-api03-TESTKEY0123456789abcdef";
const PROMPT_TEXT = "what is the balance of account 4471";

interface Posted {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that answers each call with the next status, and keeps what was posted. */
function fakeFetch(statuses: Array<number | Error>) {
  const posted: Posted[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    posted.push({
      url: String(url),
      headers: { ...(init?.headers as Record<string, string>) },
      body: String(init?.body),
    });
    const next = statuses.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response(null, { status: next });
  };
  return { fetch: fetch as typeof globalThis.fetch, posted };
}

function setup(options: Partial<WebhookHookOptions>, statuses: Array<number | Error> = []) {
  const events = new EventEmitter<GuardEvents>();
  const { fetch, posted } = fakeFetch(statuses);
  const delays: number[] = [];
  const hook = new WebhookHook({
    url: "https://hooks.example.com/services/T0/B0/XYZ",
    fetch,
    delay: async (ms) => void delays.push(ms),
    clock: new ManualClock(Date.UTC(2025, 5, 2)),
    ...options,
  });
  hook.attach(events);

  const run = new Run("support", { pricer: stubPricer, tags: { tenant: "acme" } });
  run.record({ ...nthCall(1), toolUses: [{ name: "lookup", input: { question: PROMPT_TEXT } }] });
  return { events, hook, posted, delays, run };
}

function trip(run: Run, policy = "maxCalls", step = "search") {
  const error = new CallLimitError(`run made call 5 of at most 4 (policy ${policy})`, {
    policy,
    limit: 4,
    observed: 5,
    runId: run.id,
    run: run.name,
    step,
    when: "before_call",
    call: 5,
  });
  return { run, error, when: "before_call" as const };
}

function warning(fraction = 0.8): Warning {
  return { policy: "maxCostUsd", limit: 1, observed: 0.81, fraction, call: 3, message: "80%" };
}

const savedKey = process.env.ANTHROPIC_API_KEY;
afterEach(() => {
  if (savedKey === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = savedKey;
});

describe("what an alert carries", () => {
  it("sends no key, no authorization header and no prompt or tool text by default", async () => {
    process.env.ANTHROPIC_API_KEY = SECRET_KEY;
    const { events, hook, posted, run } = setup({});

    events.emit("trip", trip(run));
    await hook.idle();

    expect(posted).toHaveLength(1);
    const [{ headers, body }] = posted as [Posted];
    expect(headers).toEqual({ "content-type": "application/json" });
    expect(body).not.toContain(SECRET_KEY);
    expect(body).not.toContain(PROMPT_TEXT);
    expect(body).not.toContain("lookup");

    const sent = JSON.parse(body);
    expect(sent.text).toBe(
      `agenttrace: run "support" (${run.id}) stopped by maxCalls: ` +
        "run made call 5 of at most 4 (policy maxCalls)",
    );
    expect(sent.agenttrace).toEqual({
      alert_id: `${run.id}:trip:maxCalls`,
      kind: "trip",
      at: "2025-06-02T00:00:00.000Z",
      run: { id: run.id, name: "support", tags: { tenant: "acme" } },
      trip: {
        error: "CallLimitError",
        policy: "maxCalls",
        limit: 4,
        observed: 5,
        step: "search",
        when: "before_call",
        call: 5,
        message: "run made call 5 of at most 4 (policy maxCalls)",
      },
      totals: { calls: 1, cost_usd: 0.004521, unpriced_calls: 0 },
    });
  });

  it("adds the last call's tool requests only when asked to, still masking keys", async () => {
    const { events, hook, posted, run } = setup({ includeContent: true });
    run.record({ ...nthCall(2), toolUses: [{ name: "lookup", input: { key: SECRET_KEY } }] });

    events.emit("warning", { run, warning: warning() });
    await hook.idle();

    const sent = JSON.parse(posted[0]!.body);
    expect(sent.agenttrace.content).toEqual({
      last_call_tool_uses: [{ name: "lookup", input: { key: "[redacted]" } }],
    });
    expect(posted[0]!.body).not.toContain(SECRET_KEY);
  });
});

describe("alert deduplication", () => {
  it("sends one alert per crossing per run, and one per run for the same crossing", async () => {
    const { events, hook, posted, run } = setup({});
    const other = new Run("support", { pricer: stubPricer });

    events.emit("trip", trip(run, "maxCalls", "search"));
    events.emit("trip", trip(run, "maxCalls", "summarize")); // the same limit, tripping again
    events.emit("trip", trip(run, "steps.search.maxCalls"));
    events.emit("warning", { run, warning: warning(0.8) });
    events.emit("warning", { run, warning: warning(0.8) });
    events.emit("warning", { run, warning: warning(0.9) });
    events.emit("trip", trip(other));
    await hook.idle();

    const ids = posted.map((p) => JSON.parse(p.body).agenttrace.alert_id);
    expect(ids).toEqual([
      `${run.id}:trip:maxCalls`,
      `${run.id}:trip:steps.search.maxCalls`,
      `${run.id}:warning:maxCostUsd::0.8`,
      `${run.id}:warning:maxCostUsd::0.9`,
      `${other.id}:trip:maxCalls`,
    ]);
  });

  it("alerts only on the kinds asked for", async () => {
    const { events, hook, posted, run } = setup({ on: ["trip"] });
    events.emit("warning", { run, warning: warning() });
    await hook.idle();
    expect(posted).toEqual([]);
  });
});

describe("delivery failures", () => {
  it("retries 5xx and network errors with doubling waits, then reports the failure", async () => {
    const refused = new TypeError("fetch failed");
    const { events, hook, delays, run } = setup({ retries: 3, backoffMs: 250 }, [
      503,
      refused,
      429,
      502,
    ]);
    const failed: Array<{ attempts: number; error: Error }> = [];
    hook.on("failed", (e) => failed.push(e));

    events.emit("trip", trip(run));
    await hook.idle();

    expect(delays).toEqual([250, 500, 1000]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attempts).toBe(4);
    expect(failed[0]!.error.message).toBe(
      "webhook https://hooks.example.com answered HTTP 502 on attempt 4",
    );
  });

  it("does not retry an alert the endpoint refuses (4xx)", async () => {
    const { events, hook, delays, posted, run } = setup({}, [404]);
    const failed: Array<{ attempts: number }> = [];
    hook.on("failed", (e) => failed.push(e));

    events.emit("trip", trip(run));
    await hook.idle();

    expect(posted).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(failed).toEqual([expect.objectContaining({ attempts: 1 })]);
  });

  it("turns a throwing listener of its own into a listenerError event", async () => {
    const { events, hook, run } = setup({}, [400]);
    const reported: unknown[] = [];
    hook.on("failed", () => {
      throw new Error("pager is down");
    });
    hook.on("listenerError", ({ error }) => reported.push(error));

    events.emit("trip", trip(run));
    await hook.idle();
    expect(reported).toEqual([new Error("pager is down")]);
  });
});

describe("webhook options", () => {
  it("reports every bad option with its path, when the hook is built", () => {
    let caught: unknown;
    try {
      new WebhookHook({ url: "ftp://example.com", timeoutMs: 0, retries: 50 });
    } catch (error) {
      caught = error;
    }

    expect(isInvalidInputError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      'invalid webhook options: url: must be an http(s) URL (got "ftp://example.com"); ' +
        "timeoutMs: must be >= 1 ms (got 0); retries: must be <= 10 (got 50)",
    );
  });
});
