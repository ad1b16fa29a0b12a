// The Anthropic SDK integration: the guard as client middleware, and helpers for agent code.
export {
  guardMiddleware,
  type GuardMiddleware,
  type GuardMiddlewareOptions,
} from "./middleware.js";
export { currentSignal, remainingBudgetUsd, type WindDownOptions } from "./wind-down.js";
export { violationOf } from "./violation.js";
export { localPromptTokens } from "./estimate.js";
