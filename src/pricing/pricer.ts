import type { Usage } from "../record/usage.js";
import { findInCatalogue, listedFromCatalogue } from "./catalog.js";
import { costOfUsage } from "./cost.js";
import { toModelRates, type ListedPrice } from "./listed.js";
import { modeMultiplier } from "./mode.js";
import { normalizeModelId } from "./model-id.js";
import { DAY_MS, PriceIndex } from "./table-index.js";
import { parsePriceTable, type PriceTableInput } from "./table.js";
import type { ModelRates, PriceResult, Pricer, PricingMode } from "./types.js";

// Distinct (model, day) pairs kept before the cache starts afresh: far more than a run meets,
// and a bound for a long-lived process that prices many days of history.
const MAX_CACHED = 10_000;

export interface PricerOptions {
  /**
   * Prices of your own, in USD per million tokens (see `PriceTableInput`), validated here: a
   * bad table throws `InvalidInputError`. A model in the table wins over the catalogue. Default:
   * none, the bundled catalogue alone.
   */
  table?: PriceTableInput;
}

/** Listed prices of one model on one day, and its rates per mode as they are asked for. */
interface Resolved {
  listed: ListedPrice;
  byMode: Map<string, ModelRates | string>;
}

/** The day key of a call with no time: the newest prices. */
const NEWEST = Number.POSITIVE_INFINITY;

/**
 * Prices calls from the bundled `@pydantic/genai-prices` catalogue, with batch, fast-mode,
 * residency and web-search rules added, and an optional table of your own on top. Each model is
 * looked up once per UTC day it is priced at (price changes take effect at midnight UTC), so
 * pricing a call after the first is a map lookup and a few multiplications.
 */
class CataloguePricer implements Pricer {
  readonly #table: PriceIndex | undefined;
  /** Model id, then UTC day (`NEWEST` for no date), then what that model costs that day. */
  readonly #cache = new Map<string, Map<number, Resolved | string>>();
  #cached = 0;

  constructor(table: PriceIndex | undefined) {
    this.#table = table;
  }

  price(model: string, usage: Usage, at?: number): PriceResult {
    const rates = this.#rates(model, at, usage);
    if (typeof rates === "string") return { priced: false, reason: rates };

    const { cost, longContext } = costOfUsage(rates, usage);
    return { priced: true, cost, modelId: rates.modelId, longContext };
  }

  rates(model: string, at?: number, mode: PricingMode = {}): ModelRates | undefined {
    const rates = this.#rates(model, at, mode);
    return typeof rates === "string" ? undefined : rates;
  }

  #rates(model: string, at: number | undefined, mode: PricingMode): ModelRates | string {
    if (at !== undefined && !Number.isFinite(at)) return `invalid call time ${at} for "${model}"`;

    const day = at === undefined ? undefined : Math.floor(at / DAY_MS) * DAY_MS;
    const resolved = this.#resolved(model, day);
    if (typeof resolved === "string") return resolved;

    // No key is built for the standard mode (none given): this runs on every call, twice.
    const standard =
      mode.serviceTier === undefined && mode.speed === undefined && mode.inferenceGeo === undefined;
    const modeKey = standard ? "" : `${mode.serviceTier}\n${mode.speed}\n${mode.inferenceGeo}`;
    let rates = resolved.byMode.get(modeKey);
    if (rates === undefined) {
      const multiplier = modeMultiplier(resolved.listed, mode);
      rates =
        typeof multiplier === "string" ? multiplier : toModelRates(resolved.listed, multiplier);
      resolved.byMode.set(modeKey, rates);
    }
    return rates;
  }

  #resolved(model: string, day: number | undefined): Resolved | string {
    let days = this.#cache.get(model);
    let resolved = days?.get(day ?? NEWEST);
    if (resolved !== undefined) return resolved;

    if (this.#cached >= MAX_CACHED) {
      this.#cache.clear();
      this.#cached = 0;
      days = undefined;
    }
    if (days === undefined) {
      days = new Map();
      this.#cache.set(model, days);
    }
    resolved = this.#resolve(model, day);
    days.set(day ?? NEWEST, resolved);
    this.#cached++;
    return resolved;
  }

  #resolve(model: string, day: number | undefined): Resolved | string {
    const id = normalizeModelId(model);
    const found = findInCatalogue(id, day);
    if (typeof found === "string") return found;

    // The table is asked by the id as written, then by the catalogue model it matches, so an
    // entry for `claude-sonnet-4-5` also prices `claude-sonnet-4-5-20250929`.
    const table = this.#table;
    const own = table?.find(id, day, found?.modelId);
    const listed = own ?? (found && table?.find(found.modelId, day, found.modelId));
    if (listed) return { listed, byMode: new Map() };

    if (found) {
      const fromCatalogue = listedFromCatalogue(found);
      return typeof fromCatalogue === "string"
        ? fromCatalogue
        : { listed: fromCatalogue, byMode: new Map() };
    }

    const since = table?.firstDay(id);
    if (since !== undefined) return `price table has no price for "${model}" before ${since}`;
    return (
      `unknown model "${model}": not in the price catalogue or price table; ` +
      `add it to a price table`
    );
  }
}

/** Builds a pricer; throws `InvalidInputError` when `options.table` is not a valid price table. */
export function createPricer(options: PricerOptions = {}): Pricer {
  const table =
    options.table === undefined ? undefined : new PriceIndex(parsePriceTable(options.table));
  return new CataloguePricer(table);
}

/** A pricer with the bundled catalogue alone, shared so its lookups are cached once. */
export const defaultPricer: Pricer = createPricer();
