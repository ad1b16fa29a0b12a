import { calcPrice, type ModelPrice } from "@pydantic/genai-prices";
import { withCacheDefaults, withLongContextDefaults, type ListedPrice } from "./listed.js";
import {
  FAST_MULTIPLIERS,
  type ListedTokenRates,
  LONG_CONTEXT_GAPS,
  WEB_SEARCH_USD_PER_1K,
  usResidencyMultiplier,
} from "./supplements.js";

/** A catalogue model and the prices it had at the date asked for. */
export interface CatalogueEntry {
  modelId: string;
  price: ModelPrice;
}

// The far end of the Date range: asking for prices then gives the newest the catalogue holds.
const NEWEST = new Date(8.64e15);

const EMPTY_USAGE = {};

/**
 * Finds a model (already normalised) in the bundled catalogue. `calcPrice` is used only for its
 * matching of ids (dated snapshots, dotted spellings) and its choice of the prices in force at a
 * date; its float totals are ignored. It reads no network unless `updatePrices` is called, which
 * agenttrace never does. A string is the reason the catalogue failed.
 */
export function findInCatalogue(modelId: string, at?: number): CatalogueEntry | undefined | string {
  try {
    const timestamp = at === undefined ? NEWEST : new Date(at);
    const found = calcPrice(EMPTY_USAGE, modelId, { providerId: "anthropic", timestamp });
    return found ? { modelId: found.model.id, price: found.model_price } : undefined;
  } catch (error) {
    return `price catalogue failed for "${modelId}": ${(error as Error).message}`;
  }
}

type CatalogueValue = ModelPrice[string];

const TOKEN_KEYS = {
  input: "input_mtok",
  output: "output_mtok",
  cacheRead: "cache_read_mtok",
  cacheWrite5m: "cache_write_mtok",
  cacheWrite1h: "cache_write_1h_mtok",
} as const;

/**
 * Reads a catalogue price into listed rates, filling what it lacks from `supplements.ts`. A
 * price is a number or `{ base, tiers: [{ start, price }] }`; the catalogue (like Anthropic's
 * "above 200K") bills a tier when the prompt is greater than `start`, and for the whole request.
 */
export function listedFromCatalogue(entry: CatalogueEntry): ListedPrice | string {
  const { modelId, price } = entry;
  const base: Partial<ListedTokenRates> = {};
  const tiered: Partial<ListedTokenRates> = {};
  const starts = new Set<number>();

  for (const [name, key] of Object.entries(TOKEN_KEYS) as [keyof typeof TOKEN_KEYS, string][]) {
    const value: CatalogueValue = price[key];
    if (value === undefined) continue;
    if (typeof value === "number") {
      base[name] = value;
      continue;
    }

    // Anthropic has one long-context step; a list with more is a shape this code cannot bill.
    if (value.tiers.length > 1) return `catalogue lists several tiers for ${key} of ${modelId}`;
    base[name] = value.base;
    const tier = value.tiers[0];
    if (tier) {
      tiered[name] = tier.price;
      starts.add(tier.start);
    }
  }

  if (base.input === undefined || base.output === undefined) {
    return `price catalogue has no input or output price for ${modelId}`;
  }
  if (starts.size > 1) return `catalogue tiers of ${modelId} start at different prompt sizes`;

  const rates = withCacheDefaults({ ...base, input: base.input, output: base.output });
  const listed: ListedPrice = {
    modelId,
    ...rates,
    webSearchUsdPer1k: flat(price.web_searches_kcount) ?? WEB_SEARCH_USD_PER_1K,
    fastMultiplier: FAST_MULTIPLIERS[modelId],
    usResidencyMultiplier: usResidencyMultiplier(modelId),
  };

  // A rate the catalogue lists flat in a tiered model stays flat above the threshold.
  const [threshold] = starts;
  if (threshold !== undefined) {
    const input = tiered.input ?? base.input;
    const output = tiered.output ?? base.output;
    const long = withLongContextDefaults(rates, { ...base, ...tiered, input, output });
    listed.longContext = { threshold, ...long };
  } else if (LONG_CONTEXT_GAPS[modelId]) {
    listed.longContext = LONG_CONTEXT_GAPS[modelId];
  }
  return listed;
}

function flat(value: CatalogueValue): number | undefined {
  return typeof value === "object" ? value.base : value;
}
