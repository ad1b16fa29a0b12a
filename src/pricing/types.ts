import type { Money } from "../money.js";
import type { Usage } from "../record/usage.js";

/** What pricing one call gave. */
export type PriceResult =
  | {
      priced: true;
      cost: Money;
      /** The catalogue id the model resolved to, e.g. `claude-sonnet-4-5` for a dated id. */
      modelId: string;
      /** True when the whole request was billed at the long-context tier. */
      longContext: boolean;
    }
  | {
      priced: false;
      /** Why no price was found, for the report: e.g. `unknown model "gpt-9"`. */
      reason: string;
    };

/**
 * How a call is served, which changes its rates: the same fields `Usage` carries. `serviceTier:
 * "batch"` halves token rates, `speed: "fast"` multiplies them by the model's fast multiplier,
 * `inferenceGeo: "us"` adds the model's data-residency premium. Absent fields mean standard.
 */
export type PricingMode = Pick<Usage, "serviceTier" | "speed" | "inferenceGeo">;

/** Turns a call's usage into its cost. Pure: no network, no clock. */
export interface Pricer {
  /**
   * @param model the model id as sent to the API (dated and provider-prefixed ids resolve)
   * @param usage the call's usage
   * @param at when the call was made (epoch ms); prices in force then apply. Defaults to the
   *   newest prices.
   */
  price(model: string, usage: Usage, at?: number): PriceResult;

  /**
   * Rates for a model, for projecting a call's cost before it is sent. Undefined for an unknown
   * model, or for a mode it has no price for (fast mode on a model with no known multiplier).
   *
   * @param mode how the call will be served; defaults to standard.
   */
  rates(model: string, at?: number, mode?: PricingMode): ModelRates | undefined;
}

/** Per-token rates of one context tier, in money units (1e-10 USD per token). */
export interface TokenRates {
  input: Money;
  output: Money;
  cacheRead: Money;
  cacheWrite5m: Money;
  cacheWrite1h: Money;
}

/** Per-token rates in money units (1e-10 USD), already adjusted for batch, speed and geo. */
export interface ModelRates extends TokenRates {
  modelId: string;
  /**
   * Prompt size in tokens (input plus cache reads and writes, per request) above which the whole
   * request bills at `longContext`. A prompt of exactly this size bills at the base rates.
   */
  longContextThreshold?: number;
  longContext?: TokenRates;
  /** Per single web search. */
  webSearch: Money;
}
