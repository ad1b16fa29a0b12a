// Runs the cite-check agent once under the guard and prints its report.
//
//   npm run build && node build/examples/cite-check/main.js [--fixed]
//
// With ANTHROPIC_API_KEY set it calls the real API, on Claude Haiku 4.5 for every step and under
// the default policy plus a $0.20 budget per run; without, it runs offline against the local
// Anthropic server and the scripted model of the demo.
import Anthropic from "@anthropic-ai/sdk";

import { Guard } from "../../src/engine/guard.js";
import { parsePolicy } from "../../src/policies/load.js";
import { defaultPricer } from "../../src/pricing/index.js";
import { formatTextReport } from "../../src/report/text.js";
import { guardMiddleware, violationOf } from "../../src/sdk/index.js";
import { startMockAnthropic } from "../../src/testing/index.js";
import { INCIDENT_MODELS, runCiteCheckAgent, type AgentModels } from "./agent.js";
import { citeCheckModel } from "./model.js";

const CHEAP: AgentModels = {
  search: "claude-haiku-4-5",
  summarize: "claude-haiku-4-5",
  citeCheck: "claude-haiku-4-5",
};

async function main(): Promise<void> {
  const mode = process.argv.includes("--fixed") ? "fixed" : "buggy";
  const live = Boolean(process.env.ANTHROPIC_API_KEY);
  const server = live ? undefined : await startMockAnthropic({ respond: citeCheckModel });

  const policy = parsePolicy({ extends: "default", maxCostUsd: live ? 0.2 : null });
  const guard = new Guard({ policy, pricer: defaultPricer });
  guard.on("warning", ({ warning }) => process.stderr.write(`warning: ${warning.message}\n`));
  const client = new Anthropic({
    ...(server ? { baseURL: server.url, apiKey: "offline" } : {}),
    middleware: [guardMiddleware(guard)],
  });

  let summary = "";
  guard.on("runEnd", (event) => (summary = formatTextReport(event.summary)));
  const where = live ? "the Anthropic API" : `the local server at ${server!.url}`;
  process.stdout.write(`cite-check agent (${mode}) against ${where}\n\n`);
  try {
    const models = live ? CHEAP : INCIDENT_MODELS;
    const result = await guard.run("cite-check-agent", () =>
      runCiteCheckAgent(client, { mode, models }),
    );
    process.stdout.write(`verdict after ${result.toolTurns} tool turns:\n${result.verdict}\n\n`);
  } catch (error) {
    const trip = violationOf(error);
    if (!trip) throw error;
    process.stdout.write(`stopped by the guard: ${trip.message}\n\n`);
  } finally {
    await server?.close();
  }
  process.stdout.write(summary);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
