import { EMPTY_USAGE, type Usage } from "../../src/record/usage.js";
import type { PriceResult, Pricer } from "../../src/pricing/index.js";

/** A full `Usage` with every count not given at zero. */
export function usage(parts: Partial<Usage>): Usage {
  return { ...EMPTY_USAGE, ...parts };
}

/** The cost of a call in money units; fails the test with the reason when it is unpriced. */
export function costOf(pricer: Pricer, model: string, parts: Partial<Usage>, at?: number): number {
  return priced(pricer.price(model, usage(parts), at)).cost;
}

export function priced(result: PriceResult): Extract<PriceResult, { priced: true }> {
  if (!result.priced) throw new Error(`expected a price, got: ${result.reason}`);
  return result;
}

/** Epoch ms of a UTC date written `YYYY-MM-DD`, optionally with a time. */
export function utc(date: string): number {
  return Date.parse(date.includes("T") ? date : `${date}T00:00:00Z`);
}
