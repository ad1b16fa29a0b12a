import { AgentTraceError, isAgentTraceError } from "../errors.js";
import { formatUsd } from "../money.js";

/** The budget store operations, as named in errors and events. */
export type BudgetOperation =
  "reserve" | "settle" | "release" | "read" | "claimOnce" | "reconcile" | "connect" | "close";

export interface BudgetStoreUnavailableDetails {
  /** The operation that could not complete. */
  operation: BudgetOperation;
  /** The budget key it was for, when it had one. */
  key?: string;
  /** Why, already redacted: a timeout with its length, or the client's error message. */
  reason: string;
  /** How long (ms) the store waited for an answer. */
  timeoutMs: number;
  /** Settled cost (money units, 1e-10 USD) kept locally and not yet written to the store. */
  unsyncedAmount?: number;
}

/**
 * The shared budget store (Redis) did not answer in time or refused the connection, and the store
 * is configured to fail closed: the call is refused rather than let spend go uncounted. The
 * message never holds the store's URL or password.
 */
export class BudgetStoreUnavailableError extends AgentTraceError {
  readonly operation: BudgetOperation;
  readonly key?: string;
  readonly reason: string;
  readonly timeoutMs: number;
  readonly unsyncedAmount?: number;

  constructor(details: BudgetStoreUnavailableDetails) {
    super(describe(details));
    this.operation = details.operation;
    if (details.key !== undefined) this.key = details.key;
    this.reason = details.reason;
    this.timeoutMs = details.timeoutMs;
    if (details.unsyncedAmount !== undefined) this.unsyncedAmount = details.unsyncedAmount;
  }
}

export function isBudgetStoreUnavailableError(
  value: unknown,
): value is BudgetStoreUnavailableError {
  return isAgentTraceError(value) && value.name === "BudgetStoreUnavailableError";
}

function describe(details: BudgetStoreUnavailableDetails): string {
  const budget = details.key === undefined ? "" : ` for budget "${details.key}"`;
  const head = `budget store unavailable: Redis did not complete ${details.operation}${budget}`;

  if (details.operation === "close") {
    const usd = formatUsd(details.unsyncedAmount ?? 0);
    return (
      `${head} (${details.reason}); $${usd} of settled cost could not be written to Redis ` +
      `before closing. Close the store while Redis is reachable so no cost is lost`
    );
  }
  return (
    `${head} (${details.reason}); the call is refused because onUnavailable is "fail-closed". ` +
    `Check that Redis is reachable, raise commandTimeoutMs (now ${details.timeoutMs} ms), ` +
    `or choose onUnavailable "fail-open" to keep counting locally`
  );
}
