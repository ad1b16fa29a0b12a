import { ratePerToken, usdToMoney } from "../money.js";
import { CACHE_MULTIPLIERS, type ListedTokenRates } from "./supplements.js";
import type { ModelRates, TokenRates } from "./types.js";

/**
 * A model's prices as a price list states them (USD per million tokens), before any batch, speed
 * or geo multiplier: the common form the catalogue and user tables are both read into.
 */
export interface ListedPrice extends ListedTokenRates {
  /** The id reported in results: the catalogue's id, or the price table's key. */
  modelId: string;
  /** The long-context tier and the prompt size it starts above, when the model has one. */
  longContext?: ListedTokenRates & { threshold: number };
  webSearchUsdPer1k: number;
  /** Multiplier on token rates in fast mode; undefined when no multiplier is known. */
  fastMultiplier?: number;
  /** Multiplier on token rates when `inferenceGeo` is `us`. */
  usResidencyMultiplier: number;
}

/** Rates with some cache rates missing: those fall back to the standard caching multipliers. */
export type PartialListedRates = Pick<ListedTokenRates, "input" | "output"> &
  Partial<ListedTokenRates>;

export function withCacheDefaults(rates: PartialListedRates): ListedTokenRates {
  return {
    input: rates.input,
    output: rates.output,
    cacheRead: rates.cacheRead ?? rates.input * CACHE_MULTIPLIERS.cacheRead,
    cacheWrite5m: rates.cacheWrite5m ?? rates.input * CACHE_MULTIPLIERS.cacheWrite5m,
    cacheWrite1h: rates.cacheWrite1h ?? rates.input * CACHE_MULTIPLIERS.cacheWrite1h,
  };
}

/**
 * Long-context rates with some cache rates missing: those scale with the input rate, as
 * Anthropic's do ("cache rates scaled alike", README rules), keeping a model's own cache ratio.
 */
export function withLongContextDefaults(
  base: ListedTokenRates,
  long: PartialListedRates,
): ListedTokenRates {
  const scale = base.input > 0 ? long.input / base.input : 1;
  return {
    input: long.input,
    output: long.output,
    cacheRead: long.cacheRead ?? base.cacheRead * scale,
    cacheWrite5m: long.cacheWrite5m ?? base.cacheWrite5m * scale,
    cacheWrite1h: long.cacheWrite1h ?? base.cacheWrite1h * scale,
  };
}

/**
 * Converts listed prices to per-token money units, with `multiplier` (batch x fast x geo) on
 * every token rate. The multiplier goes in before the one rounding, so halved and 1.1x rates of
 * every published price come out as exact whole units.
 */
export function toModelRates(listed: ListedPrice, multiplier: number): ModelRates {
  const rates: ModelRates = {
    modelId: listed.modelId,
    ...tokenRates(listed, multiplier),
    webSearch: usdToMoney(listed.webSearchUsdPer1k / 1000),
  };

  if (listed.longContext) {
    rates.longContextThreshold = listed.longContext.threshold;
    rates.longContext = tokenRates(listed.longContext, multiplier);
  }
  return rates;
}

function tokenRates(listed: ListedTokenRates, multiplier: number): TokenRates {
  return {
    input: ratePerToken(listed.input * multiplier),
    output: ratePerToken(listed.output * multiplier),
    cacheRead: ratePerToken(listed.cacheRead * multiplier),
    cacheWrite5m: ratePerToken(listed.cacheWrite5m * multiplier),
    cacheWrite1h: ratePerToken(listed.cacheWrite1h * multiplier),
  };
}
