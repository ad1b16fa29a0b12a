import type { PolicyViolationError, TripPoint } from "../engine/errors.js";
import type { Warning } from "../engine/events.js";
import { moneyToUsd } from "../money.js";
import type { ToolUse } from "../record/record.js";
import type { Run } from "../run/run.js";

export type AlertKind = "trip" | "warning";

/** The structured half of an alert: what crossed which threshold, in which run. */
export interface Alert {
  /** One per crossing of a threshold per run (see `alertId`); use it as an idempotency key. */
  alert_id: string;
  kind: AlertKind;
  /** ISO 8601 time the alert was raised. */
  at: string;
  run: { id: string; name: string; tags: Record<string, string> };
  trip?: {
    /** The error class, e.g. `BudgetExceededError`. */
    error: string;
    policy: string;
    limit: number;
    observed: number;
    step?: string;
    when: TripPoint;
    call: number;
    message: string;
  };
  warning?: Warning;
  /** The run's totals when the alert was raised. */
  totals: { calls: number; cost_usd: number; unpriced_calls: number };
  /** Only with `includeContent: true`: the tool requests of the run's last call. */
  content?: { last_call_tool_uses: readonly ToolUse[] };
}

/** The JSON body posted: Slack-compatible `text`, and the alert itself under `agenttrace`. */
export interface AlertPayload {
  text: string;
  agenttrace: Alert;
}

export type AlertSource =
  | { kind: "trip"; run: Run; error: PolicyViolationError; when: TripPoint }
  | { kind: "warning"; run: Run; warning: Warning };

/** The alert for a trip or a warning. Content (tool inputs) goes in only when asked for. */
export function buildAlert(source: AlertSource, at: number, includeContent: boolean): Alert {
  const { run } = source;
  const alert: Alert = {
    alert_id: alertId(source),
    kind: source.kind,
    at: new Date(at).toISOString(),
    run: { id: run.id, name: run.name, tags: { ...run.tags } },
    totals: {
      calls: run.totals.calls,
      cost_usd: moneyToUsd(run.totals.cost),
      unpriced_calls: run.totals.unpricedCalls,
    },
  };

  if (source.kind === "warning") alert.warning = { ...source.warning };
  else alert.trip = tripDetails(source.error, source.when);

  const last = run.records().at(-1);
  if (includeContent && last) alert.content = { last_call_tool_uses: last.toolUses };
  return alert;
}

/**
 * The dedupe key: a second alert with the same key in the same run is the same crossing. A
 * warning's key has its policy, step and fraction; the engine already warns once per threshold.
 * A trip's key has its policy only: in `emit` mode a run-wide limit trips again on every later
 * call, whatever its step, and that is still the one crossing. Step limits are told apart by
 * their policy names (`steps.cite_check.maxCalls`), except the every-step ones
 * (`maxCallsPerStep`), which alert once per run.
 */
export function alertId(source: AlertSource): string {
  const { run } = source;
  if (source.kind === "trip") return [run.id, "trip", source.error.policy].join(":");

  const w = source.warning;
  return [run.id, "warning", w.policy, w.step ?? "", String(w.fraction)].join(":");
}

export function alertText(alert: Alert): string {
  const run = `run "${alert.run.name}" (${alert.run.id})`;
  if (alert.trip)
    return `agenttrace: ${run} stopped by ${alert.trip.policy}: ${alert.trip.message}`;
  const w = alert.warning as Warning;
  return `agenttrace: ${run} warning from ${w.policy}: ${w.message}`;
}

function tripDetails(error: PolicyViolationError, when: TripPoint): NonNullable<Alert["trip"]> {
  const trip: NonNullable<Alert["trip"]> = {
    error: error.name,
    policy: error.policy,
    limit: error.limit,
    observed: error.observed,
    when,
    call: error.call,
    message: error.message,
  };
  if (error.step !== undefined) trip.step = error.step;
  return trip;
}

const SECRET_PATTERNS = [/sk-ant-[A-Za-z0-9_-]+/g, /Bearer [A-Za-z0-9._~+/=-]+/g];
const SECRET_ENV = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"];

/**
 * Masks anything that looks like an API key or a bearer token, and the values of the Anthropic
 * key variables: a last guard in case one found its way into a tag or a tool input.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "[redacted]");
  for (const name of SECRET_ENV) {
    const value = env[name];
    if (value && value.length >= 8) out = out.split(value).join("[redacted]");
  }
  return out;
}
