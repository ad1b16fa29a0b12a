import type { Breakdown, RunSummary } from "../run/summary.js";

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * The run report as text, in the layout of the article this project comes from: headline figures,
 * then the by-model and by-step breakdowns that expose a runaway step.
 */
export function formatTextReport(summary: RunSummary): string {
  const lines = [`run: ${summary.run}`];

  if (summary.outcome !== "completed" && summary.outcome !== "running") {
    lines.push(
      `outcome: ${summary.outcome}${summary.end_reason ? ` (${summary.end_reason})` : ""}`,
    );
  }
  lines.push(`duration: ${formatDuration(summary.duration_ms)}`);
  lines.push(`total cost usd: ${usd(summary.cost_usd)}${unpricedNote(summary.unpriced_calls)}`);
  lines.push(`calls: ${summary.calls}`);
  if (summary.partial_calls > 0) lines.push(`partial calls: ${summary.partial_calls}`);
  lines.push(`p50 latency ms: ${formatMs(summary.latency_ms.p50)}`);
  lines.push(`p95 latency ms: ${formatMs(summary.latency_ms.p95)}`);
  lines.push(`p99 latency ms: ${formatMs(summary.latency_ms.p99)}`);

  lines.push("by-model:");
  for (const [model, b] of Object.entries(summary.by_model)) {
    lines.push(
      `  ${model}: ${calls(b)} ${cost(b)} avg input tok: ${int.format(b.avg_input_tokens)}` +
        ` avg output tok: ${int.format(b.avg_output_tokens)}`,
    );
  }

  for (const [key, values] of Object.entries(summary.by_tag)) {
    lines.push(`by-${key}:`);
    let ordinal = 0;
    for (const [value, b] of Object.entries(values)) {
      const label = key === "step" ? `step ${++ordinal} ${value}` : value;
      lines.push(`  ${label}: ${calls(b)} ${cost(b)} ${tokens(b)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Dollars to 4 places, as the article prints them; a cost too small for that shows its digits. */
function usd(value: number): string {
  if (value === 0 || value >= 0.00005) return value.toFixed(4);
  return value.toFixed(10).replace(/0+$/, "");
}

function calls(b: Breakdown): string {
  return `${b.calls} ${b.calls === 1 ? "call" : "calls"}`;
}

function cost(b: Breakdown): string {
  // A model with no known price has an unknown cost, which must never read as $0.
  if (b.calls > 0 && b.unpriced_calls === b.calls) return "cost unknown (unpriced)";
  return `$${usd(b.cost_usd)}${unpricedNote(b.unpriced_calls)}`;
}

function tokens(b: Breakdown): string {
  // One call's tokens read as they are; several calls' as averages, like the article's report.
  const avg = b.calls === 1 ? "" : "avg ";
  return `${avg}${int.format(b.avg_input_tokens)} in ${avg}${int.format(b.avg_output_tokens)} out`;
}

function unpricedNote(unpriced: number): string {
  return unpriced > 0 ? ` (+${unpriced} unpriced ${unpriced === 1 ? "call" : "calls"})` : "";
}

function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  return `${(ms / 1000).toFixed(1)}s`;
}

function formatMs(ms: number | null): string {
  if (ms === null) return "-";
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}
