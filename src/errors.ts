import { z } from "zod";

// A brand on every agenttrace error: `instanceof` fails when two copies of the package are
// installed side by side, a symbol registered globally does not.
const BRAND = Symbol.for("agenttrace.error");

/** The base class of every error agenttrace throws. */
export class AgentTraceError extends Error {
  readonly [BRAND] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isAgentTraceError(value: unknown): value is AgentTraceError {
  return typeof value === "object" && value !== null && BRAND in value;
}

/** One problem found in some input, with the path of the field that holds it. */
export interface InputIssue {
  /** Dotted path of the offending field, e.g. `usage.input_tokens`; empty for the whole value. */
  path: string;
  /** What was wrong and what was expected. */
  message: string;
  /** The value found there, when there was one. */
  value?: unknown;
}

/**
 * Input that does not have the expected shape: a call record, a price table, a policy file. It
 * lists every problem at once, each with its path, so a user fixes a file in one pass.
 */
export class InvalidInputError extends AgentTraceError {
  readonly issues: InputIssue[];
  /** What was being read, e.g. `call record` or `policy file policies/strict.json`. */
  readonly subject: string;

  constructor(subject: string, issues: InputIssue[]) {
    super(`invalid ${subject}: ${issues.map(formatIssue).join("; ")}`);
    this.subject = subject;
    this.issues = issues;
  }

  /** Builds the error from a failed zod parse, keeping zod's paths and messages. */
  static fromZod(subject: string, error: z.ZodError, input: unknown): InvalidInputError {
    // A problem with the whole value (an unknown key) names the key; the value itself, a whole
    // file perhaps, would drown the message.
    const issues = error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
      value: issue.path.length === 0 ? undefined : valueAt(input, issue.path),
    }));
    // `new this`, not the class by name: a bundler renames a class that names itself inside.
    return new this(subject, issues);
  }
}

export function isInvalidInputError(value: unknown): value is InvalidInputError {
  return isAgentTraceError(value) && value.name === "InvalidInputError";
}

function formatIssue(issue: InputIssue): string {
  const where = issue.path === "" ? "(root)" : issue.path;
  const seen = issue.value === undefined ? "" : ` (got ${show(issue.value)})`;
  return `${where}: ${issue.message}${seen}`;
}

/** A value as a message shows it: JSON where JSON can say it, never a throw. */
function show(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 80 ? `${json.slice(0, 80)}…` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The value at `path` inside `input`, or undefined where the path leaves the objects. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** An error's message, or the thrown value as text when it is not an `Error`. */
export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Hands `error` to a user's error handler; a handler that throws has nowhere better to report
 * to, and must not reach the agent.
 */
export function notifySafely<E>(handler: ((error: E) => void) | undefined, error: E): void {
  try {
    handler?.(error);
  } catch {
    // Swallowed on purpose: see above.
  }
}
