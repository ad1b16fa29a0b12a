/**
 * Exact money. Every amount inside agenttrace is an integer count of `1e-10` US dollars, so sums
 * of any number of calls never drift the way binary floating point does (ten calls of $0.10 add up
 * to exactly $1.00). The unit is fine enough to hold every published per-token rate, including the
 * Batch API's halved cache reads and a 1.1x data-residency multiplier, as whole numbers.
 *
 * A JavaScript number holds integers exactly up to 2^53, which at this scale is about $900,000:
 * far above any single run's bill. Totals beyond that are documented as a limit in the README.
 */
export type Money = number;

/** How many money units make one US dollar. */
export const MONEY_PER_USD = 10_000_000_000;

/** How many money units one token costs at a rate given in USD per million tokens. */
export function ratePerToken(usdPerMillionTokens: number): Money {
  return Math.round(usdPerMillionTokens * (MONEY_PER_USD / 1_000_000));
}

/** Converts a dollar amount (as written in a recording or a price table) to exact units. */
export function usdToMoney(usd: number): Money {
  return Math.round(usd * MONEY_PER_USD);
}

/** Converts exact units back to dollars for display and JSON. */
export function moneyToUsd(money: Money): number {
  // Dividing once at the end keeps the result the closest double to the exact decimal.
  return money / MONEY_PER_USD;
}

/** Formats an amount as a plain decimal dollar figure, e.g. `4.2031` with `digits = 4`. */
export function formatUsd(money: Money, digits = 4): string {
  return moneyToUsd(money).toFixed(digits);
}
