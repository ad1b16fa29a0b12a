import { headroomOf, type Held } from "../engine/budgets.js";
import type { BudgetHeadroom, Ticket } from "../engine/guard.js";
import { formatUsd, moneyToUsd, type Money } from "../money.js";
import { stepLabel, type Verdict } from "../policies/policy.js";
import type { Pricer } from "../pricing/types.js";
import { ApiUsageSchema, normalizeUsage, promptTokens } from "../record/usage.js";
import { outputPricing } from "./wind-down.js";

/**
 * Meters a stream against the budget left for it: the call's own reservation plus what its
 * tightest budget had left when the stream began. The prompt is priced once, from
 * `message_start`; each later check adds output at its per-token price, so a check is two
 * multiplications however long the stream runs.
 */
export class StreamBudget {
  private base: Money | undefined;
  private perToken: Money = 0;
  private prompt = 0;
  private unpriced = false;

  /** The most this call may cost, in money units: its reservation plus the budget's headroom. */
  private readonly allowance: Money;

  constructor(
    private readonly pricer: Pricer,
    private readonly model: string,
    private readonly at: number,
    private readonly budget: BudgetHeadroom,
    /** This call's own reservation, part of the allowance. */
    private readonly reserved: Money,
  ) {
    this.allowance = budget.remaining + reserved;
  }

  /**
   * True when a reply with this prompt (`message_start`'s usage) and this many output tokens fits
   * the allowance, or cannot be metered. Two multiplications once the prompt is priced, so a
   * stream can ask it with a bound of its output before counting that output exactly.
   */
  allows(prompt: Readonly<Record<string, unknown>>, outputTokens: number): boolean {
    if (this.unpriced || (this.base === undefined && !this.price(prompt))) return true;
    return this.cost(outputTokens) <= this.allowance;
  }

  /**
   * A stop verdict when the usage so far costs more than the allowance; undefined otherwise. Ask
   * it after `allows` has said no: the prompt is priced by then.
   */
  check(raw: Record<string, unknown>, step: string | undefined): Verdict | undefined {
    const output = typeof raw.output_tokens === "number" ? raw.output_tokens : 0;
    const cost = this.cost(output);
    if (cost <= this.allowance) return undefined;

    const others = this.budget.limit - this.budget.remaining - this.reserved;
    return {
      action: "stop",
      policy: this.budget.policy,
      kind: "BudgetExceededError",
      limit: moneyToUsd(this.budget.limit),
      observed: moneyToUsd(others + cost),
      message:
        `${stepLabel(step)}: the streamed reply reached $${formatUsd(cost)} ` +
        `(${this.prompt} prompt tokens, about ${output} output tokens so far), above the ` +
        `$${formatUsd(this.allowance)} the ${this.budget.label} had left for it (policy ` +
        `${this.budget.policy}); the stream was cut off and its spend recorded as a partial ` +
        `call; lower max_tokens or raise the limit`,
    };
  }

  private cost(outputTokens: number): Money {
    return (this.base as Money) + outputTokens * this.perToken;
  }

  private price(raw: Readonly<Record<string, unknown>>): boolean {
    // An unreadable usage or an unpriced model cannot be metered: the stream then runs uncut.
    const parsed = ApiUsageSchema.safeParse(raw);
    if (!parsed.success) return !(this.unpriced = true);

    const usage = normalizeUsage(parsed.data);
    const pricing = outputPricing(this.pricer, this.model, usage, this.at);
    if (!pricing) return !(this.unpriced = true);

    this.base = pricing.base;
    this.perToken = pricing.perToken;
    this.prompt = promptTokens(usage);
    return true;
  }
}

/**
 * A meter for a stream that holds a dollar reservation; undefined when no budget holds one. Its
 * allowance is the call's reservation plus what its tightest budget had left once the call was
 * admitted: the figures the reservation returned, so no store is asked again as the stream opens.
 */
export function streamMeter(
  pricer: Pricer,
  ticket: Ticket,
  model: string,
  at: number,
): StreamBudget | undefined {
  const reserved = ticket.projected;
  if (reserved === null) return undefined;

  let tightest: Held | undefined;
  for (const held of ticket.held) {
    if (!tightest || held.remainingAfter < tightest.remainingAfter) tightest = held;
  }
  if (!tightest) return undefined;

  const budget = headroomOf(tightest.line, tightest.remainingAfter);
  return new StreamBudget(pricer, model, at, budget, reserved);
}
