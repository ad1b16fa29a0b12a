import Anthropic from "@anthropic-ai/sdk";

import { ManualClock } from "../../src/clock.js";
import type { GuardEvents } from "../../src/engine/events.js";
import { Guard, type GuardOptions } from "../../src/engine/guard.js";
import type { PolicyConfig } from "../../src/policies/config.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { guardMiddleware, type GuardMiddlewareOptions } from "../../src/sdk/index.js";
import type { MockAnthropicServer } from "../../src/testing/index.js";

export const MODEL = "claude-haiku-4-5";

export interface Harness {
  guard: Guard;
  client: Anthropic;
  clock: ManualClock;
  /** Every event the guard emitted, by name, in order. */
  events: { [K in keyof GuardEvents]?: Parameters<GuardEvents[K]>[0][] };
}

/**
 * A guard on a manual clock and a real SDK client pointed at the mock through the middleware.
 * Retries are on (the SDK's default of 2), so failed attempts go through the SDK's own loop.
 */
export function harness(
  server: MockAnthropicServer,
  policy: PolicyConfig = {},
  options: GuardMiddlewareOptions = {},
  guardOptions: Partial<GuardOptions> = {},
): Harness {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const guard = new Guard({ policy, pricer: defaultPricer, clock, ...guardOptions });
  const events: Harness["events"] = {};
  const names: (keyof GuardEvents)[] = [
    "call",
    "refused",
    "trip",
    "warning",
    "runEnd",
    "attemptFailed",
    "streamCut",
    "windDown",
    "middlewareError",
  ];
  for (const name of names) {
    const list: unknown[] = ((events as Record<string, unknown[]>)[name] = []);
    guard.on(name, (event: unknown) => void list.push(event));
  }

  const middleware = guardMiddleware(guard, options);
  const client = new Anthropic({
    baseURL: server.url,
    apiKey: "sk-test",
    middleware: [middleware],
  });
  return { guard, client, clock, events };
}

/** A user turn of `tokens` mock tokens (the mock counts 4 characters a token). */
export function words(tokens: number, seed = "w"): string {
  return seed.padEnd(tokens * 4, ".");
}
