import { AgentTraceError, isAgentTraceError } from "../errors.js";
import type { Run } from "../run/run.js";
import { currentContext } from "./context.js";

/** When a policy acted: before a call was sent, or after a call completed. */
export type TripPoint = "before_call" | "after_call";

export interface ViolationDetails {
  /** The policy that tripped, e.g. `maxCostUsd`, `maxCallsPerStep`, `inputGrowth`. */
  policy: string;
  /** The limit in the policy's unit (USD, calls, tokens). */
  limit: number;
  /** The value seen (or projected) that broke it, in the same unit. */
  observed: number;
  runId: string;
  run: string;
  /** The step the call belonged to, when it had one. */
  step?: string;
  when: TripPoint;
  /** 1-based index of the call in its run that tripped (the refused one before a call). */
  call: number;
}

/**
 * A policy stopped a run. Carries the numbers that explain it; the message says what happened and
 * what to change. Subclasses name the kind of violation.
 */
export class PolicyViolationError extends AgentTraceError implements ViolationDetails {
  readonly policy: string;
  readonly limit: number;
  readonly observed: number;
  readonly runId: string;
  readonly run: string;
  readonly step?: string;
  readonly when: TripPoint;
  readonly call: number;

  constructor(message: string, details: ViolationDetails) {
    super(message);
    this.policy = details.policy;
    this.limit = details.limit;
    this.observed = details.observed;
    this.runId = details.runId;
    this.run = details.run;
    if (details.step !== undefined) this.step = details.step;
    this.when = details.when;
    this.call = details.call;
  }
}

/** Spend (settled plus reserved plus the call's projection) would pass a dollar budget. */
export class BudgetExceededError extends PolicyViolationError {}
/** A run or a step made more calls than allowed. */
export class CallLimitError extends PolicyViolationError {}
/** One call's prompt is larger than allowed. */
export class InputTooLargeError extends PolicyViolationError {}
/** The prompt grew call after call within a step: re-attached history. */
export class RunawayGrowthError extends PolicyViolationError {}
/** The model asked for the same tool with the same input again and again. */
export class RepeatedToolCallError extends PolicyViolationError {}

export function isPolicyViolationError(value: unknown): value is PolicyViolationError {
  return isAgentTraceError(value) && "policy" in value && "when" in value;
}

/**
 * The policy error behind an error the SDK threw, if there is one. `client.messages.create` throws
 * the guard's error as it is; `client.messages.stream()` wraps errors in an `AnthropicError` whose
 * `cause` holds it. Walks the `cause` chain, so agent code can handle both the same way. A call
 * aborted by its run's signal (`currentSignal`) because the run was stopped fails in the SDK with
 * a plain abort error: inside that run, it answers the run's trip.
 */
export function violationOf(error: unknown): PolicyViolationError | undefined {
  return violationIn(error, currentContext()?.run);
}

/**
 * `violationOf` for an error thrown in `run`: the policy error in its `cause` chain, or for an
 * abort error, the trip that stopped `run` (in `throw` mode, where a trip aborts the run's signal).
 */
export function violationIn(
  error: unknown,
  run: Run | undefined,
): PolicyViolationError | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    if (isPolicyViolationError(current)) return current;
    seen.add(current);
    current = (current as { cause?: unknown }).cause;
  }
  return run && isAbortError(error) ? tripsOfRuns.get(run) : undefined;
}

/** The error of an aborted request: the SDK's `APIUserAbortError`, or the platform's. */
export function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "APIUserAbortError" || name === "AbortError";
}

/** The trip that stopped each run (in `throw` mode), for `violationOf` inside the run. */
export const tripsOfRuns = new WeakMap<Run, PolicyViolationError>();

const kinds = {
  BudgetExceededError,
  CallLimitError,
  InputTooLargeError,
  RunawayGrowthError,
  RepeatedToolCallError,
} as const;

export type ViolationKind = keyof typeof kinds;

export function violationError(
  kind: ViolationKind,
  message: string,
  details: ViolationDetails,
): PolicyViolationError {
  return new kinds[kind](message, details);
}

export const isBudgetExceededError = (v: unknown): v is BudgetExceededError =>
  isPolicyViolationError(v) && v.name === "BudgetExceededError";
export const isCallLimitError = (v: unknown): v is CallLimitError =>
  isPolicyViolationError(v) && v.name === "CallLimitError";
export const isInputTooLargeError = (v: unknown): v is InputTooLargeError =>
  isPolicyViolationError(v) && v.name === "InputTooLargeError";
export const isRunawayGrowthError = (v: unknown): v is RunawayGrowthError =>
  isPolicyViolationError(v) && v.name === "RunawayGrowthError";
export const isRepeatedToolCallError = (v: unknown): v is RepeatedToolCallError =>
  isPolicyViolationError(v) && v.name === "RepeatedToolCallError";
