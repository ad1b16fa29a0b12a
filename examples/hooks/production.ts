// The production wiring from docs/production.md: a guard whose calls go to a JSONL trace and a
// SQLite database, whose runs are reported however they end, and whose trips page Slack.
import { Guard } from "../../src/engine/guard.js";
import { reportOnExit } from "../../src/exit/report-on-exit.js";
import { WebhookHook } from "../../src/hooks/webhook.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { JsonlSink } from "../../src/sinks/jsonl.js";
import { attachSink } from "../../src/sinks/sink.js";
import { SqliteSink } from "../../src/sinks/sqlite.js";
import { attachMetrics, Counters } from "./metrics-counter.js";

export function wireUp(slackWebhookUrl: string): Guard {
  const guard = new Guard({
    pricer: defaultPricer,
    policy: { maxCostUsd: 5, maxCallsPerStep: 8, warnAtFraction: 0.8 },
  });

  // Sink failures (disk full) arrive here, never as exceptions in the agent.
  const counters = new Counters();
  const onError = (error: Error) => counters.add("sink_errors", { error: error.name });
  const trace = new JsonlSink({ path: "traces/agent.jsonl", onError });
  const db = new SqliteSink({ database: "traces/agent.db", onError });
  attachSink(guard, trace);
  attachSink(guard, db);

  // One report per run, on SIGTERM too (a deploy): the live runs end `interrupted`.
  reportOnExit(guard, {
    to: "traces/reports.txt",
    format: "both",
    signals: true,
    sinks: [trace, db],
  });

  const slack = new WebhookHook({ url: slackWebhookUrl, on: ["trip", "warning"] });
  slack.attach(guard);
  slack.on("failed", ({ error }) =>
    counters.add("alerts_failed", { status: String(error.status) }),
  );

  attachMetrics(guard, counters, async () => {});
  return guard;
}
