export { createPricer, defaultPricer, type PricerOptions } from "./pricer.js";
export {
  costOfUsage,
  projectCost,
  type BillableUsage,
  type CallEstimate,
  type Cost,
} from "./cost.js";
export {
  loadPriceTable,
  parsePriceTable,
  type PriceTable,
  type PriceTableEntry,
  type PriceTableInput,
} from "./table.js";
export { normalizeModelId } from "./model-id.js";
export type { ModelRates, PriceResult, Pricer, PricingMode, TokenRates } from "./types.js";
