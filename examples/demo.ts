// `npm run demo`: the incident of the $4.20 cite-check agent, replayed offline against the local
// Anthropic server. The buggy agent runs under the default policy (and is stopped), then the same
// agent unguarded (the bill it would have run up), then the fixed agent (which finishes
// untouched). Prints the bills side by side and the by-step report that exposes the bug, and
// writes each run's report, as text and JSON, under reports/.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import Anthropic from "@anthropic-ai/sdk";

import { Guard } from "../src/engine/guard.js";
import type { PolicyViolationError } from "../src/engine/errors.js";
import type { PolicyConfig } from "../src/policies/config.js";
import { loadPolicy } from "../src/policies/load.js";
import { defaultPricer } from "../src/pricing/index.js";
import { formatJsonReport } from "../src/report/json.js";
import { formatTextReport } from "../src/report/text.js";
import type { RunSummary } from "../src/run/summary.js";
import { guardMiddleware, violationOf } from "../src/sdk/index.js";
import { startMockAnthropic, type MockAnthropicServer } from "../src/testing/index.js";
import { runCiteCheckAgent, type CiteCheckMode } from "./cite-check/agent.js";
import { citeCheckModel } from "./cite-check/model.js";

export interface DemoRun {
  /** Column heading in the bills table. */
  label: string;
  /** File name of the run's reports, without extension. */
  slug: string;
  summary: RunSummary;
  /** The policy error that stopped the run, if one did. */
  trip?: PolicyViolationError;
  /** Warnings the guard raised during the run. */
  warnings: string[];
}

export interface DemoResult {
  guarded: DemoRun;
  unguarded: DemoRun;
  fixed: DemoRun;
  /** What the guarded buggy run spent, as a share of the unguarded bill. */
  spentShare: number;
  /** Report files written, when a folder was given. */
  files: string[];
}

/** Runs the three agents against a local server of its own; writes reports if `reportsDir`. */
export async function runDemo(options: { reportsDir?: string } = {}): Promise<DemoResult> {
  const server = await startMockAnthropic({ respond: citeCheckModel });
  try {
    const policy = loadPolicy("default");
    const guarded = await runAgent(server, "buggy", policy, "buggy, guarded", "buggy-guarded");
    const unguarded = await runAgent(server, "buggy", {}, "buggy, unguarded", "buggy-unguarded");
    const fixed = await runAgent(server, "fixed", policy, "fixed, guarded", "fixed-guarded");

    const files = options.reportsDir
      ? await writeReports(options.reportsDir, [guarded, unguarded, fixed])
      : [];
    const spentShare = guarded.summary.cost_usd / unguarded.summary.cost_usd;
    return { guarded, unguarded, fixed, spentShare, files };
  } finally {
    await server.close();
  }
}

/** One agent run under its own guard: `{}` as the policy records without guarding anything. */
async function runAgent(
  server: MockAnthropicServer,
  mode: CiteCheckMode,
  policy: PolicyConfig,
  label: string,
  slug: string,
): Promise<DemoRun> {
  const guard = new Guard({ policy, pricer: defaultPricer });
  const client = new Anthropic({
    baseURL: server.url,
    apiKey: "offline-demo",
    middleware: [guardMiddleware(guard)],
  });

  let summary: RunSummary | undefined;
  const warnings: string[] = [];
  guard.on("runEnd", (event) => (summary = event.summary));
  guard.on("warning", (event) => void warnings.push(event.warning.message));
  try {
    await guard.run(`cite-check-agent (${label})`, () => runCiteCheckAgent(client, { mode }));
  } catch (error) {
    const trip = violationOf(error);
    if (!trip) throw error;
    return { label, slug, summary: summary!, trip, warnings };
  }
  return { label, slug, summary: summary!, warnings };
}

async function writeReports(dir: string, runs: DemoRun[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const run of runs) {
    const text = join(dir, `${run.slug}.txt`);
    const json = join(dir, `${run.slug}.json`);
    await writeFile(text, formatTextReport(run.summary));
    await writeFile(json, formatJsonReport([run.summary]));
    files.push(text, json);
  }
  return files;
}

/** The demo's printout: the stop, the bills side by side, the report that shows the bug. */
export function formatDemo(result: DemoResult): string {
  const { guarded, unguarded, fixed } = result;
  const runs = [guarded, unguarded, fixed];
  const trip = guarded.trip;
  const out: string[] = [
    "agenttrace demo: the three-step cite-check agent, offline (local Anthropic server)",
    "",
    "1. The buggy agent under policies/default.json",
  ];

  if (trip) {
    out.push(
      `   stopped at call ${trip.call} of the run, in step "${trip.step ?? "-"}", ` +
        `${trip.when === "before_call" ? "before it was sent" : "after it completed"}`,
      ...wrap(`why: ${trip.name}: ${trip.message}`, 96).map((line) => `   ${line}`),
    );
  } else {
    out.push("   not stopped");
  }

  out.push("", "2. The bills", "");
  const row = (name: string, cells: string[]) =>
    `   ${name.padEnd(20)}${cells.map((c) => c.padEnd(20)).join("")}`.trimEnd();
  const labels = runs.map((r) => r.label);
  out.push(row("", labels));
  for (const [name, cell] of BILL_ROWS) {
    const cells = runs.map((r) => cell(r.summary));
    out.push(row(name, cells));
  }
  out.push(
    "",
    `   The guard stopped the buggy run having spent $${guarded.summary.cost_usd.toFixed(4)}: ` +
      `${(result.spentShare * 100).toFixed(1)}% of the $${unguarded.summary.cost_usd.toFixed(4)} ` +
      "it would have cost unguarded.",
  );

  out.push("", "3. The by-step report of the unguarded buggy run: one step, most of the bill", "");
  out.push(
    ...formatTextReport(unguarded.summary)
      .trimEnd()
      .split("\n")
      .map((l) => `   ${l}`),
  );
  out.push("", "4. The fixed agent, guarded by the same policy", "");
  out.push(
    ...formatTextReport(fixed.summary)
      .trimEnd()
      .split("\n")
      .map((l) => `   ${l}`),
  );

  if (result.files.length > 0) {
    out.push("", "Reports written:", ...result.files.map((f) => `   ${f}`));
  }
  return out.join("\n") + "\n";
}

/** The rows of the bills table: a name, and a run's cell. */
const BILL_ROWS: Array<[string, (summary: RunSummary) => string]> = [
  ["outcome", (s) => s.outcome],
  ["calls", (s) => String(s.calls)],
  ["cite_check calls", (s) => String(s.by_tag.step?.cite_check?.calls ?? 0)],
  ["prompt tokens", (s) => s.tokens.prompt.toLocaleString("en-US")],
  ["total cost", (s) => `$${s.cost_usd.toFixed(4)}`],
  ["estimate error", (s) => estimateError(s)],
];

/** How far the pre-call prompt estimates were off, on average: the checks are only as good. */
function estimateError(summary: RunSummary): string {
  const estimates = summary.estimates;
  if (!estimates) return "-";
  return `${(estimates.mean_abs_error * 100).toFixed(1)}% (${estimates.calls} calls)`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `     ${word}`;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

async function main(): Promise<void> {
  const result = await runDemo({ reportsDir: resolve("reports") });
  process.stdout.write(formatDemo(result));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
