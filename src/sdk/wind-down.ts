import { currentContext, type CallContext } from "../engine/context.js";
import type { WindDownEvent } from "../engine/events.js";
import type { Guard } from "../engine/guard.js";
import { moneyToUsd, type Money } from "../money.js";
import type { Pricer } from "../pricing/types.js";
import type { Run } from "../run/run.js";
import type { Usage } from "../record/usage.js";

/** How wind-down sizes calls as the budget runs low. */
export interface WindDownOptions {
  /**
   * Fewest output tokens worth sending a call for. When the budget cannot pay for this many, the
   * request is left as it is and the budget refuses it. Default 64.
   */
  minOutputTokens?: number;
}

export const DEFAULT_MIN_OUTPUT_TOKENS = 64;

/**
 * What a call with this prompt costs before its first output token (`base`), and what each output
 * token adds (`perToken`), in money units; undefined for a model with no known price. Cost is
 * linear in output, so one token's price is the difference between the prompt priced with one
 * output token and with none (long-context tier included).
 */
export function outputPricing(
  pricer: Pricer,
  model: string,
  prompt: Usage,
  at: number,
): { base: Money; perToken: Money } | undefined {
  const none = pricer.price(model, { ...prompt, outputTokens: 0 }, at);
  const one = pricer.price(model, { ...prompt, outputTokens: 1 }, at);
  if (!none.priced || !one.priced) return undefined;
  return { base: none.cost, perToken: one.cost - none.cost };
}

/**
 * The most output tokens `headroom` can pay for once the prompt is paid, or undefined for a
 * model with no known price.
 */
function affordableOutputTokens(
  pricer: Pricer,
  model: string,
  prompt: Usage,
  headroom: Money,
  at: number,
): number | undefined {
  const pricing = outputPricing(pricer, model, prompt, at);
  if (!pricing || pricing.perToken <= 0) return undefined;
  return Math.max(0, Math.floor((headroom - pricing.base) / pricing.perToken));
}

/**
 * The `max_tokens` the remaining budget can pay for, when that is below the request's own and at
 * least `min`; announced as a `windDown` event. Undefined leaves the request as it is: no budget,
 * enough budget, an unpriced model, or too little left to be worth a call (the budget refuses
 * it then).
 */
export async function windDown(
  guard: Guard,
  run: Run,
  tags: Record<string, string>,
  call: { model: string; maxTokens: number },
  prompt: Usage,
  min: number,
): Promise<number | undefined> {
  const budget = await guard.remainingBudget(run, tags);
  if (!budget) return undefined;

  const at = guard.clock.now();
  const allowed = affordableOutputTokens(guard.pricer, call.model, prompt, budget.remaining, at);
  if (allowed === undefined || allowed >= call.maxTokens || allowed < min) return undefined;

  const event: WindDownEvent = {
    run,
    model: call.model,
    requested: call.maxTokens,
    allowed,
    remainingUsd: moneyToUsd(budget.remaining),
  };
  if (tags.step !== undefined) event.step = tags.step;
  guard.emit("windDown", event);
  return allowed;
}

/** The tags a call made in `context` carries: the context's tags and its step. */
export function callTags(context: CallContext): Record<string, string> {
  const tags: Record<string, string> = { ...context.tags };
  if (context.step !== undefined) tags.step = context.step;
  return tags;
}

/**
 * What the tightest dollar budget of the current run (and step) has left, in USD, so an agent
 * can finish with what it has. Undefined outside a run, or when no dollar budget applies.
 */
export async function remainingBudgetUsd(guard: Guard): Promise<number | undefined> {
  const context = currentContext();
  if (!context) return undefined;

  const headroom = await guard.remainingBudget(context.run, callTags(context));
  return headroom === undefined ? undefined : moneyToUsd(headroom.remaining);
}

/**
 * The current run's `AbortSignal`, aborted when the run is stopped or ends: hand it to the SDK
 * (`{ signal }`) and to tools, so work in flight stops with the run. Undefined outside a run; an
 * already aborted signal for a run that has ended.
 */
export function currentSignal(guard: Guard): AbortSignal | undefined {
  const context = currentContext();
  if (!context) return undefined;

  try {
    return guard.signal(context.run);
  } catch (error) {
    return AbortSignal.abort(error);
  }
}
