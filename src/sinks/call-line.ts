import { moneyToUsd } from "../money.js";
import { callStartedAt, type CallRecord } from "../record/record.js";
import { toApiUsage } from "../record/usage.js";
import type { Run } from "../run/run.js";

/**
 * One call as a line of the call-line format (see the README), which `readRecording` reads back.
 * Besides the documented fields it writes `run_id` (run names repeat; ids tell runs apart),
 * `run_tags` when the run has tags, and `cost_source`; readers ignore fields they do not know.
 *
 * @param endedAt epoch ms the call completed, used for `started_at` when the record has no start
 *   time of its own, so every stored call can be placed in time.
 */
export function toCallLine(run: Run, record: CallRecord, endedAt: number): Record<string, unknown> {
  const startedAt = callStartedAt(record, endedAt);
  const line: Record<string, unknown> = {
    run: run.name,
    run_id: run.id,
    model: record.model,
    usage: toApiUsage(record.usage),
    latency_ms: record.latencyMs,
    started_at: new Date(startedAt).toISOString(),
    tags: record.tags,
    tool_uses: record.toolUses,
  };

  // An unpriced call carries no cost: a reader then prices it from its own table, or counts it
  // unpriced, and never as $0. A priced one keeps its exact cost whatever the reader's prices.
  if (record.cost !== null) line.cost_usd = moneyToUsd(record.cost);
  line.cost_source = record.costSource;

  if (record.partial) line.partial = true;
  if (Object.keys(run.tags).length > 0) line.run_tags = run.tags;
  return line;
}
