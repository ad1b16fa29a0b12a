import { withCacheDefaults, withLongContextDefaults, type ListedPrice } from "./listed.js";
import { normalizeModelId } from "./model-id.js";
import { FAST_MULTIPLIERS, WEB_SEARCH_USD_PER_1K, usResidencyMultiplier } from "./supplements.js";
import type { PriceTable, PriceTableEntry } from "./table.js";

/** A day in milliseconds: prices are looked up by the UTC day a call was made. */
export const DAY_MS = 86_400_000;

interface DatedEntry {
  /** Epoch ms of the first day the entry applies; -Infinity when it has no `since`. */
  from: number;
  entry: PriceTableEntry;
}

/** A validated price table, indexed by normalised model id, each id's prices oldest first. */
export class PriceIndex {
  readonly #models = new Map<string, { key: string; dated: DatedEntry[] }>();

  constructor(table: PriceTable) {
    for (const [key, value] of Object.entries(table.models)) {
      const entries = Array.isArray(value) ? value : [value];
      const dated = entries
        .map((entry) => ({ from: entry.since ? Date.parse(entry.since) : -Infinity, entry }))
        .sort((a, b) => a.from - b.from);
      this.#models.set(normalizeModelId(key), { key, dated });
    }
  }

  /**
   * The price in force for a normalised id at `at` (epoch ms; the newest when undefined), read
   * into listed form. `catalogueId` is the catalogue model the id matches, if any: an entry that
   * omits a fast or residency multiplier takes that model's.
   */
  find(modelId: string, at: number | undefined, catalogueId?: string): ListedPrice | undefined {
    const model = this.#models.get(modelId);
    if (!model) return undefined;

    // `since` is a whole UTC day, so compare against the start of the call's day.
    const day = at === undefined ? Infinity : Math.floor(at / DAY_MS) * DAY_MS;
    let found: PriceTableEntry | undefined;
    for (const dated of model.dated) if (dated.from <= day) found = dated.entry;
    return found && listedFromEntry(model.key, found, catalogueId);
  }

  /** The first day an id has a price, for the reason given when a call predates it. */
  firstDay(modelId: string): string | undefined {
    return this.#models.get(modelId)?.dated[0]?.entry.since;
  }
}

function listedFromEntry(key: string, entry: PriceTableEntry, catalogueId?: string): ListedPrice {
  const rates = withCacheDefaults(entry);
  const builtInFast = catalogueId === undefined ? undefined : FAST_MULTIPLIERS[catalogueId];
  const listed: ListedPrice = {
    modelId: key,
    ...rates,
    webSearchUsdPer1k: entry.webSearchPer1k ?? WEB_SEARCH_USD_PER_1K,
    fastMultiplier: entry.fastMultiplier ?? builtInFast,
    usResidencyMultiplier:
      entry.usResidencyMultiplier ?? (catalogueId ? usResidencyMultiplier(catalogueId) : 1),
  };

  if (entry.longContext) {
    const { threshold, ...long } = entry.longContext;
    listed.longContext = { threshold, ...withLongContextDefaults(rates, long) };
  }
  return listed;
}
