import type { ReplayResult } from "../replay/replay.js";
import { formatTextReport } from "./text.js";

/** A replayed run's report, followed by what the guard did and what that saved. */
export function formatReplayReport(result: ReplayResult): string {
  const lines = [formatTextReport(result).trimEnd()];
  const unguarded = result.unguarded_cost_usd;

  if (result.trip) {
    const trip = result.trip;
    const saved = unguarded - trip.spent_usd;
    const share = unguarded > 0 ? Math.round((trip.spent_usd / unguarded) * 100) : 0;
    const when = trip.when === "before_call" ? "before it was sent" : "after it completed";
    lines.push(
      `guard: stopped at call ${trip.call} of ${result.unguarded_calls} (${when}), ` +
        `policy ${trip.policy}`,
      `  ${trip.message}`,
      `  spent $${trip.spent_usd.toFixed(4)} of an unguarded $${unguarded.toFixed(4)} ` +
        `(${share}%): saved $${saved.toFixed(4)}`,
    );
  } else {
    lines.push(`guard: not tripped; the run cost $${unguarded.toFixed(4)} as recorded`);
  }

  for (const warning of result.warnings) {
    lines.push(`warning at call ${warning.call} (${warning.policy}): ${warning.message}`);
  }
  return lines.join("\n") + "\n";
}
