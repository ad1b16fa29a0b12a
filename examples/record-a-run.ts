// Record a run by hand and print its report: the aggregator alone, no SDK, no policy.
// Run: npm run build && node build/examples/record-a-run.js
import { Trace, defaultPricer, formatTextReport } from "agenttrace";

const trace = new Trace({ pricer: defaultPricer });
const run = trace.startRun("cite-check-agent", { tags: { user_id: "u_8821" } });

// One record per model call: the model, the API's `usage` object as returned, latency, tags.
run.record({
  model: "claude-opus-4-5",
  usage: { input_tokens: 1800, output_tokens: 220 },
  latencyMs: 2100,
  tags: { step: "search" },
});
run.record({
  model: "claude-haiku-4-5-20251001",
  usage: { input_tokens: 3, cache_read_input_tokens: 1111, output_tokens: 33 },
  latencyMs: 900,
  tags: { step: "summarize" },
});

// Totals are readable at any moment of a live run...
console.log(`so far: ${run.totals.calls} calls, $${run.summary().cost_usd}`);

// ...and the run's report when it ends.
process.stdout.write(formatTextReport(run.finish()));
