/**
 * What the shared-budget integration tests have in common: a pricer whose estimates are exact, the
 * calls they make through a Guard, dates ahead of the real clock, and raw reads of what Redis
 * holds. Imported by the tests and by the worker bundle alike, so it needs nothing from vitest.
 */
import type { Redis } from "ioredis";

import {
  budgetPot,
  defineSharedBudget,
  type SharedBudgetInput,
} from "../../../src/budget/windows.js";
import type { Guard, Ticket } from "../../../src/engine/guard.js";
import { type Money, usdToMoney } from "../../../src/money.js";
import type { Pricer } from "../../../src/pricing/types.js";
import type { CallRecord } from "../../../src/record/record.js";
import { EMPTY_USAGE } from "../../../src/record/usage.js";
import type { Run } from "../../../src/run/run.js";

/** $0.0001 per output token, nothing for anything else. */
export const RATE: Money = usdToMoney(0.0001);

/**
 * Prices a call at its output tokens times {@link RATE}. The projection before a call and the
 * record after it both price the same usage, so every estimate is exact and the budget's
 * arithmetic can be checked to the last unit.
 */
export const exactPricer: Pricer = {
  price: (_model, usage) => ({
    priced: true,
    cost: usage.outputTokens * RATE,
    modelId: "stub",
    longContext: false,
  }),
  rates: () => undefined,
};

/** Output tokens of a call costing `usd` at {@link RATE}. */
export function tokensFor(usd: number): number {
  return usdToMoney(usd) / RATE;
}

/** Asks the guard to admit a call of `tokens` output tokens (its projection is its real cost). */
export function admit(
  guard: Guard,
  run: Run,
  tokens: number,
  tags?: Record<string, string>,
): Promise<Ticket> {
  return guard.beforeCall(run, {
    model: "stub",
    tags,
    usage: { ...EMPTY_USAGE, outputTokens: tokens },
  });
}

/** Completes an admitted call with a record of exactly the cost it reserved. */
export function complete(guard: Guard, ticket: Ticket, tokens: number): Promise<CallRecord> {
  return guard.afterCall(ticket, { model: "stub", usage: { output_tokens: tokens }, latencyMs: 1 });
}

/** One whole call: admitted, then completed. Rejects with whatever `beforeCall` threw. */
export async function call(
  guard: Guard,
  run: Run,
  tokens: number,
  tags?: Record<string, string>,
): Promise<CallRecord> {
  return complete(guard, await admit(guard, run, tokens, tags), tokens);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Epoch ms of a UTC time `days` after today's date. The store judges windows by the injected clock
 * but Redis deletes a window's keys at its end by its own clock (PEXPIREAT), so a test's window
 * must lie ahead of real time or Redis would drop its keys as they are written.
 */
export function utcDaysAhead(days: number, hour = 12, minute = 0): number {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return today + days * DAY_MS + (hour * 60 + minute) * 60 * 1000;
}

/** A budget name no other test run shares: its keys are this run's alone, and its cleanup too. */
export function uniqueBudgetName(label: string): string {
  return `it-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The store key of the pot that calls tagged `tags` spend from at `now`. */
export function potOf(budget: SharedBudgetInput, tags: Record<string, string>, now: number) {
  return budgetPot(defineSharedBudget(budget), tags, now);
}

/** Redis's hash holding a pot's totals (no key prefix): `{<pot key>}:totals`. */
export function totalsKey(potKey: string): string {
  return `{${potKey}}:totals`;
}

/**
 * What Redis itself records for a pot, read straight from its hash rather than through the store:
 * the figure every process trusts. Zero for a pot never written.
 */
export async function redisTotals(
  admin: Redis,
  potKey: string,
): Promise<{ spent: Money; reserved: Money }> {
  const [spent, reserved] = await admin.hmget(totalsKey(potKey), "spent", "reserved");
  return { spent: Number(spent ?? 0), reserved: Number(reserved ?? 0) };
}

/** Deletes every key of a budget: its pots' totals, leases and warning claims. */
export async function deleteBudgetKeys(admin: Redis, budgetName: string): Promise<void> {
  let cursor = "0";
  do {
    const match = `{agenttrace:budget:${budgetName}:*`;
    const [next, keys] = await admin.scan(cursor, "MATCH", match, "COUNT", 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}
