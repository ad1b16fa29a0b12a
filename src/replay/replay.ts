import { ManualClock } from "../clock.js";
import { Guard } from "../engine/guard.js";
import { isPolicyViolationError, type PolicyViolationError } from "../engine/errors.js";
import type { Warning } from "../engine/events.js";
import { moneyToUsd } from "../money.js";
import type { PolicyConfig } from "../policies/config.js";
import type { Pricer } from "../pricing/types.js";
import type { RecordedRun } from "../readers/types.js";
import type { RunSummary } from "../run/summary.js";

/** One run of a recording replayed against a policy: what the guard would have done. */
export interface ReplayResult extends RunSummary {
  tripped: boolean;
  trip: {
    policy: string;
    /** 1-based index of the call at which the guard stopped the run. */
    call: number;
    when: "before_call" | "after_call";
    /** What the run had spent when it stopped, in USD. */
    spent_usd: number;
    message: string;
  } | null;
  /** What the whole recording cost, unguarded. */
  unguarded_cost_usd: number;
  /** Calls in the recording. */
  unguarded_calls: number;
  warnings: { policy: string; call: number; message: string }[];
}

/**
 * Feeds a recorded run through the policy engine in order, as if live: before each call the
 * engine sees that call's recorded usage as its estimate, and time comes from the recording's own
 * timestamps. Stops at the first trip, as the live guard would have.
 */
export async function replayRun(
  recorded: RecordedRun,
  policy: PolicyConfig,
  pricer: Pricer,
): Promise<ReplayResult> {
  const clock = new ManualClock(recorded.records[0]?.startedAt ?? 0);
  const guard = new Guard({ policy, pricer, clock, onViolation: "throw" });
  const warnings: ReplayResult["warnings"] = [];
  guard.on("warning", ({ warning }: { warning: Warning }) => warnings.push(pick(warning)));

  const run = guard.startRun(recorded.name, {
    tags: recorded.tags,
    keepRecords: false,
    id: recorded.id,
  });
  let trip: PolicyViolationError | undefined;

  for (const record of recorded.records) {
    if (record.startedAt !== undefined) clock.set(record.startedAt);

    try {
      // The estimate is the call as recorded, cost included: a recording that came with its
      // costs is checked against them, not against today's price table.
      const planned = {
        model: record.model,
        tags: { ...record.tags },
        usage: record.usage,
        cost: record.cost ?? undefined,
      };
      const ticket = await guard.beforeCall(run, planned);
      clock.advance(record.latencyMs);
      await guard.afterCall(ticket, record);
    } catch (error) {
      if (!isPolicyViolationError(error)) throw error;
    }

    trip = guard.tripOf(run);
    if (trip) break;
  }

  const summary = guard.finishRun(run);
  const unguarded = recorded.records.reduce((sum, r) => sum + (r.cost ?? 0), 0);
  return {
    ...summary,
    tripped: trip !== undefined,
    trip: trip
      ? {
          policy: trip.policy,
          call: trip.call,
          when: trip.when,
          spent_usd: summary.cost_usd,
          message: trip.message,
        }
      : null,
    unguarded_cost_usd: moneyToUsd(unguarded),
    unguarded_calls: recorded.records.length,
    warnings,
  };
}

function pick(warning: Warning): { policy: string; call: number; message: string } {
  return { policy: warning.policy, call: warning.call, message: warning.message };
}
