import { isPolicyViolationError, type PolicyViolationError } from "../engine/errors.js";

/**
 * The policy error behind an error the SDK threw, if there is one. `client.messages.create` throws
 * the guard's error as it is; `client.messages.stream()` wraps errors in an `AnthropicError` whose
 * `cause` holds it. Walks the `cause` chain, so agent code can handle both the same way.
 */
export function violationOf(error: unknown): PolicyViolationError | undefined {
  const seen = new Set<unknown>();
  while (typeof error === "object" && error !== null && !seen.has(error)) {
    if (isPolicyViolationError(error)) return error;
    seen.add(error);
    error = (error as { cause?: unknown }).cause;
  }
  return undefined;
}
