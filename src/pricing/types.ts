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
   * model.
   */
  rates(model: string, at?: number): ModelRates | undefined;
}

/** Per-token rates in money units (1e-10 USD), already adjusted for tier, batch and speed. */
export interface ModelRates {
  modelId: string;
  input: Money;
  output: Money;
  cacheRead: Money;
  cacheWrite5m: Money;
  cacheWrite1h: Money;
  /** Prompt size (input plus cache tokens) above which the whole request bills at `longContext`. */
  longContextThreshold?: number;
  longContext?: Omit<ModelRates, "modelId" | "longContextThreshold" | "longContext" | "webSearch">;
  /** Per single web search. */
  webSearch: Money;
}
