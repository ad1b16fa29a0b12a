// The public API of agenttrace. Optional integrations (Redis, SQLite, the local test server) are
// subpath exports, so importing this module pulls none of their dependencies in.

export { MONEY_PER_USD, formatUsd, moneyToUsd, usdToMoney, type Money } from "./money.js";
export { ManualClock, systemClock, type Clock } from "./clock.js";
export {
  AgentTraceError,
  InvalidInputError,
  isAgentTraceError,
  isInvalidInputError,
  type InputIssue,
} from "./errors.js";

export {
  CallInputSchema,
  createRecord,
  type CallInput,
  type CallRecord,
  type ToolUse,
} from "./record/record.js";
export {
  ApiUsageSchema,
  normalizeUsage,
  promptTokens,
  toApiUsage,
  type ApiUsage,
  type Usage,
} from "./record/usage.js";

export * from "./pricing/index.js";

export { Run, type RunOptions, type RunOutcome } from "./run/run.js";
export { Trace, type TraceOptions } from "./run/trace.js";
export type { Breakdown, RunSummary } from "./run/summary.js";
export type { Aggregate } from "./run/aggregate.js";
export { percentileSorted } from "./run/percentile.js";

export { formatTextReport } from "./report/text.js";
export { formatJsonReport } from "./report/json.js";
export { formatReplayReport } from "./report/replay-text.js";

export { readRecording, readRecordings } from "./readers/read.js";
export { CallLineSchema, recordFromCallLine } from "./readers/call-lines.js";
export type { ReadIssue, RecordedRun, Recording, RecordingFormat } from "./readers/types.js";

export {
  Guard,
  type BudgetHeadroom,
  type GuardOptions,
  type PlannedCall,
  type Ticket,
} from "./engine/guard.js";
export * from "./engine/errors.js";
export type {
  AttemptFailedEvent,
  GuardEvents,
  MiddlewareErrorEvent,
  Warning,
  WindDownEvent,
} from "./engine/events.js";
export { currentContext, runWithContext, withStep, type CallContext } from "./engine/context.js";

export { PolicySchema, type PolicyConfig, type PolicyFile } from "./policies/config.js";
export { BUILT_IN_POLICIES, loadPolicy, parsePolicy } from "./policies/load.js";
export { policyJsonSchema } from "./policies/schema.js";
export type { BudgetLine, CallOutcome, CallPlan, Policy, Verdict } from "./policies/policy.js";
export { weightedPrompt } from "./policies/input-growth.js";

export { replayRun, type ReplayResult } from "./replay/replay.js";

export { MemoryBudgetStore } from "./budget/memory.js";
export type {
  BudgetState,
  BudgetStore,
  Reservation,
  ReserveRequest,
  ReserveResult,
} from "./budget/store.js";
export {
  budgetPot,
  defineSharedBudget,
  type BudgetPot,
  type SharedBudget,
  type SharedBudgetInput,
} from "./budget/windows.js";

export * from "./sinks/index.js";
export * from "./exit/index.js";
export * from "./hooks/index.js";
export * from "./sdk/index.js";
