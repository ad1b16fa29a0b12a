import type { ListedPrice } from "./listed.js";
import { BATCH_MULTIPLIER } from "./supplements.js";
import type { PricingMode } from "./types.js";

/**
 * The one multiplier a call's mode puts on every token rate: batch, fast mode and US residency
 * stack by multiplying (Anthropic states each applies on top of the others and of the caching
 * multipliers). A string is the reason the mode cannot be priced.
 *
 * Service tiers other than `batch` (`standard`, `priority`) bill standard rates. Any geo but
 * `us` (`global`, `not_available`) carries no premium.
 */
export function modeMultiplier(listed: ListedPrice, mode: PricingMode): number | string {
  let multiplier = mode.serviceTier === "batch" ? BATCH_MULTIPLIER : 1;

  if (mode.speed === "fast") {
    // Billing fast calls at standard rates would understate them several times over.
    if (listed.fastMultiplier === undefined) {
      return (
        `no fast-mode multiplier known for ${listed.modelId}; ` +
        `give it "fastMultiplier" in a price table`
      );
    }
    multiplier *= listed.fastMultiplier;
  } else if (mode.speed !== undefined && mode.speed !== "standard") {
    return `unknown speed "${mode.speed}" for ${listed.modelId}; "standard" and "fast" are priced`;
  }

  if (mode.inferenceGeo === "us") multiplier *= listed.usResidencyMultiplier;
  return multiplier;
}
