import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import type { Pricer } from "../pricing/types.js";
import { createRecord, type CallRecord } from "../record/record.js";

/** One line of the call-line format (see the README): the format sinks write and readers read. */
export const CallLineSchema = z.looseObject({
  run: z.string().min(1, "a run name is required"),
  /** Written by the JSONL sink: tells apart runs of the same name in one file. */
  run_id: z.string().optional(),
  run_tags: z.record(z.string(), z.string()).optional(),
  // The other fields are checked by the record schema, whose errors are renamed to these names.
  model: z.unknown().optional(),
  usage: z.unknown().optional(),
  latency_ms: z.unknown().optional(),
  started_at: z.unknown().optional(),
  tags: z.unknown().optional(),
  tool_uses: z.unknown().optional(),
  cost_usd: z.unknown().optional(),
  partial: z.unknown().optional(),
});

/**
 * Turns one parsed call line into a record. Field names in errors are the file's own
 * (`latency_ms`, not `latencyMs`), so a user can find them in the line.
 */
export function recordFromCallLine(
  value: unknown,
  pricer: Pricer,
): { run: string; runId?: string; runTags?: Record<string, string>; record: CallRecord } {
  const line = CallLineSchema.safeParse(value);
  if (!line.success) throw InvalidInputError.fromZod("call line", line.error, value);

  const input = {
    model: line.data.model,
    usage: line.data.usage,
    latencyMs: line.data.latency_ms,
    startedAt: line.data.started_at ?? undefined,
    tags: line.data.tags ?? undefined,
    toolUses: line.data.tool_uses ?? undefined,
    costUsd: line.data.cost_usd ?? undefined,
    partial: line.data.partial ?? undefined,
  };
  try {
    const record = createRecord(input, pricer, "call line");
    const { run, run_id: runId, run_tags: runTags } = line.data;
    return { run, ...(runId && { runId }), ...(runTags && { runTags }), record };
  } catch (error) {
    throw error instanceof InvalidInputError ? renameFields(error) : error;
  }
}

const FILE_NAMES: Record<string, string> = {
  latencyMs: "latency_ms",
  startedAt: "started_at",
  toolUses: "tool_uses",
  costUsd: "cost_usd",
};

function renameFields(error: InvalidInputError): InvalidInputError {
  const issues = error.issues.map((issue) => {
    const [head = "", ...rest] = issue.path.split(".");
    return { ...issue, path: [FILE_NAMES[head] ?? head, ...rest].join(".") };
  });
  return new InvalidInputError(error.subject, issues);
}
