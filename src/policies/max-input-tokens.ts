import { promptTokens } from "../record/usage.js";
import { stepLabel, type Policy } from "./policy.js";

const tokens = (n: number) => n.toLocaleString("en-US");

/** Refuses a call whose prompt (uncached input plus cache reads and writes) is above a limit. */
export function maxInputTokensPolicy(limit: number): Policy {
  return {
    name: "maxInputTokensPerCall",

    before(plan) {
      const prompt = promptTokens(plan.usage);
      if (prompt <= limit) return undefined;

      return {
        action: "stop",
        policy: "maxInputTokensPerCall",
        kind: "InputTooLargeError",
        limit,
        observed: prompt,
        message:
          `${stepLabel(plan.step)} would send a prompt of ${tokens(prompt)} tokens, above the ` +
          `${tokens(limit)} allowed per call (policy maxInputTokensPerCall); trim the history ` +
          `(a sliding window) or raise the limit`,
      };
    },
  };
}
