/**
 * What the price catalogue (`@pydantic/genai-prices`) does not say, kept apart so each fact has
 * its source beside it. The catalogue lists per-model rates and long-context tiers by date; it
 * has no notion of the Batch API, fast mode or data residency (its `calcPrice` takes no service
 * tier, speed or geo), so none of these is applied twice.
 *
 * Sources: the project's published price table and rules (`shared/data/README.md`), the usage
 * variants noted beside it (`shared/data/shapes/shape_usage_variants.json`), and Anthropic's
 * pricing pages as cited in the catalogue's own comments.
 */

/** Per-token rates of one tier in USD per million tokens, as price lists write them. */
export interface ListedTokenRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** Batch API: "halves every rate, and the cache multipliers stack on it" (README rules). */
export const BATCH_MULTIPLIER = 0.5;

/**
 * Prompt-caching multipliers on the input rate, for a price list that omits a cache rate (the
 * catalogue's `claude-2`, or a user table). Every row of the README table follows them, and
 * Anthropic's prompt-caching page states them: 5-minute write 1.25x, 1-hour write 2x, read 0.1x.
 */
export const CACHE_MULTIPLIERS = { cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 } as const;

/**
 * "Web search costs $10 per 1,000 searches" (README rules). Used when the catalogue lists no
 * search fee for a model (Haiku 3 and older predate the tool; a search billed to one is still
 * billed). It is a fee per search, not a token rate: batch, fast mode and geo leave it alone.
 */
export const WEB_SEARCH_USD_PER_1K = 10;

/**
 * Fast mode multiplies every token rate, cache rates included, and applies on top of the
 * long-context tier (Opus 4.6 at launch: $30/$150, and $60/$225 above 200K = 6x of $10/$37.50).
 * Opus 4.6: 6x (Anthropic fast-mode pricing). Opus 4.8, Opus 5 and Opus 5.5: 2x (billing note
 * of the `fast_mode_speed` variant in shape_usage_variants.json; Opus 5.5 is $8/$40 on $4/$20).
 * A model not listed here has no known multiplier: its fast calls are reported unpriced rather
 * than billed at standard rates, which would understate them. A price table can add one.
 */
export const FAST_MULTIPLIERS: Readonly<Record<string, number>> = {
  "claude-opus-4-6": 6,
  "claude-opus-4-8": 2,
  "claude-opus-5": 2,
  "claude-opus-5-5": 2,
};

/**
 * US-only inference (`inference_geo: "us"`) costs 1.1x on all token categories for Opus 4.6,
 * Sonnet 4.6 and later models; `global` and `not_available` cost 1x. Listing the models that
 * predate the premium, rather than those that carry it, makes every newer catalogue model carry
 * it without a code change.
 */
export const US_RESIDENCY_MULTIPLIER = 1.1;

const BEFORE_RESIDENCY_PREMIUM = new Set([
  "claude-v1",
  "claude-2",
  "claude-3-haiku",
  "claude-3-sonnet",
  "claude-3-opus-latest",
  "claude-3-5-haiku-latest",
  "claude-3-5-sonnet",
  "claude-3-7-sonnet-latest",
  "claude-haiku-4-5",
  "claude-opus-4-0",
  "claude-opus-4-1",
  "claude-opus-4-5",
  "claude-sonnet-4-0",
  "claude-sonnet-4-5",
]);

/** The data-residency multiplier of a catalogue model. */
export function usResidencyMultiplier(catalogueId: string): number {
  return BEFORE_RESIDENCY_PREMIUM.has(catalogueId) ? 1 : US_RESIDENCY_MULTIPLIER;
}

/**
 * Long-context tiers the catalogue leaves out. "Sonnet 4 and 4.5 above 200K prompt tokens bill
 * the whole request at $6 input / $22.50 output with cache rates scaled alike" (README rules);
 * the catalogue (0.1.8) has the tier for Sonnet 4.5 but lists Sonnet 4 flat. Applied only while
 * the catalogue has no tier of its own for the model.
 */
export const LONG_CONTEXT_GAPS: Readonly<Record<string, ListedTokenRates & { threshold: number }>> =
  {
    "claude-sonnet-4-0": {
      threshold: 200_000,
      input: 6,
      output: 22.5,
      cacheRead: 0.6,
      cacheWrite5m: 7.5,
      cacheWrite1h: 12,
    },
  };
