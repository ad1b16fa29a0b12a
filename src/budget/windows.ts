import { z } from "zod";

import { InvalidInputError } from "../errors.js";
import { type Money, usdToMoney } from "../money.js";

/**
 * Shared budgets: which calls spend from the same pot, and for how long. A budget named `daily`
 * scoped by `tenant` with a `day` window gives every tenant its own pot per UTC day; each pot is
 * one key in the budget store, e.g. `agenttrace:budget:daily:tenant=acme:day=2026-12-03`.
 */

/** Calendar windows in UTC. `none` never starts afresh. */
export type BudgetWindow = "none" | "hour" | "day" | "month";

// Names and tag keys appear verbatim in store keys, so they are kept to characters that need no
// escaping; tag values come from callers and are escaped instead.
const IDENTIFIER = /^[A-Za-z0-9_.-]+$/;
const identifier = z
  .string()
  .regex(IDENTIFIER, "use only letters, digits, '_', '.' and '-' (it becomes part of a key)");

/** Above this a budget's total no longer fits exactly in a JavaScript number of money units. */
const MAX_LIMIT_USD = 900_000;

/** A shared budget as written in code or a policy file; the policy schema uses it as it is. */
export const SharedBudgetSchema = z
  .object({
    name: identifier.describe("A name for the budget; part of its store key."),
    scope: z
      .array(identifier)
      .default([])
      .describe('Tag keys whose values pick the budget, e.g. ["tenant"]: one budget per tenant.'),
    limitUsd: z
      .number()
      .positive("must be a dollar amount > 0")
      .max(MAX_LIMIT_USD, `must be at most ${MAX_LIMIT_USD} (exact money ends there)`)
      .describe("The limit of each budget, in USD."),
    window: z
      .enum(["none", "hour", "day", "month"])
      .default("none")
      .describe("A UTC calendar window after which the budget starts afresh; none never resets."),
  })
  .strict()
  .refine((budget) => new Set(budget.scope).size === budget.scope.length, {
    message: "scope lists a tag key twice",
    path: ["scope"],
  })
  .describe("A budget shared by every run whose tags match its scope, across processes.");

/** A shared budget as a user writes it (in code or a policy file). */
export interface SharedBudgetInput {
  /** Names the budget in its keys and in reports, e.g. `daily`. */
  name: string;
  /** Tag keys whose values split the budget into pots, e.g. `["tenant"]`. Default: one pot. */
  scope?: string[];
  /** The limit of each pot, in USD. */
  limitUsd: number;
  /** When a pot starts afresh (UTC calendar). Default `none`. */
  window?: BudgetWindow;
}

/** A validated shared budget. */
export interface SharedBudget {
  readonly name: string;
  readonly scope: readonly string[];
  readonly limitUsd: number;
  /** The limit in money units (1e-10 USD). */
  readonly limit: Money;
  readonly window: BudgetWindow;
}

/**
 * Validates a shared budget, reporting every problem with its path in one error. Input read from
 * a file is checked at run time the same way, so it may be passed as is.
 */
export function defineSharedBudget(input: SharedBudgetInput): SharedBudget {
  const parsed = SharedBudgetSchema.safeParse(input);
  if (!parsed.success) throw InvalidInputError.fromZod("shared budget", parsed.error, input);

  const { name, scope, limitUsd, window } = parsed.data;
  return Object.freeze({ name, scope, limitUsd, limit: usdToMoney(limitUsd), window });
}

/** The pot a call spends from: its store key, its limit and when its window ends. */
export interface BudgetPot {
  /** Store key, e.g. `agenttrace:budget:daily:tenant=acme:day=2026-12-03`. */
  key: string;
  limit: Money;
  /** Epoch ms at which the window began; absent for `none`. */
  windowStartsAt?: number;
  /** Epoch ms at which the window ends and the next begins; absent for `none`. */
  windowEndsAt?: number;
  /**
   * Scope keys the call had no tag for. Such calls share one pot per missing key (the segment is
   * written as the bare key, e.g. `tenant` instead of `tenant=acme`), so an untagged call is still
   * limited; an engine may also warn about them.
   */
  missingTags: string[];
}

export const BUDGET_KEY_PREFIX = "agenttrace:budget";

/**
 * Finds the pot a call with `tags` spends from at `now` (epoch ms, from the injected clock).
 * Tag values are percent-encoded, so `:` or `=` inside a value can never forge another pot's key.
 */
export function budgetPot(
  budget: SharedBudget,
  tags: Readonly<Record<string, string | undefined>>,
  now: number,
): BudgetPot {
  const segments = [BUDGET_KEY_PREFIX, budget.name];
  const missingTags: string[] = [];

  for (const tag of budget.scope) {
    const value = tags[tag];
    if (value === undefined) missingTags.push(tag);
    segments.push(value === undefined ? tag : `${tag}=${escapeTagValue(value)}`);
  }

  const window = windowAt(budget.window, now);
  if (!window) return { key: segments.join(":"), limit: budget.limit, missingTags };

  segments.push(window.label);
  return {
    key: segments.join(":"),
    limit: budget.limit,
    windowStartsAt: window.startsAt,
    windowEndsAt: window.endsAt,
    missingTags,
  };
}

/** One calendar window: its bounds in epoch ms and its label in keys, e.g. `day=2026-12-03`. */
export interface WindowBounds {
  startsAt: number;
  endsAt: number;
  label: string;
}

/** The UTC calendar window holding `now`, or undefined for `none`. */
export function windowAt(window: BudgetWindow, now: number): WindowBounds | undefined {
  if (window === "none") return undefined;

  const at = new Date(now);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  const hour = at.getUTCHours();
  const ymd = `${year}-${pad(month + 1)}-${pad(day)}`;

  // Date.UTC rolls day 32 into the next month and month 12 into the next year, so ends are exact
  // across month ends, leap days and New Year.
  if (window === "hour") {
    const startsAt = Date.UTC(year, month, day, hour);
    return {
      startsAt,
      endsAt: Date.UTC(year, month, day, hour + 1),
      label: `hour=${ymd}T${pad(hour)}`,
    };
  }
  if (window === "day") {
    return {
      startsAt: Date.UTC(year, month, day),
      endsAt: Date.UTC(year, month, day + 1),
      label: `day=${ymd}`,
    };
  }
  return {
    startsAt: Date.UTC(year, month, 1),
    endsAt: Date.UTC(year, month + 1, 1),
    label: `month=${year}-${pad(month + 1)}`,
  };
}

/**
 * Percent-encodes everything but letters, digits and `_.-~`: `:` separates segments, `=` splits
 * key from value, `{}` are Redis Cluster hash tags, and `%` itself introduces an escape.
 */
export function escapeTagValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
