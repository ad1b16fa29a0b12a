import { createRequire } from "node:module";
import { Command } from "commander";
import { isAgentTraceError, messageOf } from "./errors.js";
import { loadPolicy } from "./policies/load.js";
import { policyJsonSchema } from "./policies/schema.js";
import { createPricer, defaultPricer, loadPriceTable } from "./pricing/index.js";
import type { Pricer } from "./pricing/types.js";
import { readRecording } from "./readers/read.js";
import type { Recording } from "./readers/types.js";
import { replayRun } from "./replay/replay.js";
import { formatJsonReport } from "./report/json.js";
import { formatReplayReport } from "./report/replay-text.js";
import { formatTextReport } from "./report/text.js";
import { Run } from "./run/run.js";

// The CLI is a thin shell over the library: read recordings, then report or replay them.

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

const program = new Command()
  .name("agenttrace")
  .version(version)
  .description("Cost and latency reports for LLM agent runs, and policy replays of recordings.")
  .showHelpAfterError();

program
  .command("report")
  .description("print each run's summary: cost, calls, latency percentiles, by model and by step")
  .argument("<files...>", "recordings: call-line JSONL or Claude Code transcripts")
  .option("--json", 'print JSON: {"runs": [...]}')
  .option("--prices <file>", "a JSON price table that overrides or adds model prices")
  .action(async (files: string[], options: { json?: boolean; prices?: string }) => {
    const recordings = await read(files, await pricerFrom(options.prices));
    const summaries = recordings.flatMap((rec) =>
      rec.runs.map((recorded) => {
        const run = new Run(recorded.name, {
          tags: recorded.tags,
          keepRecords: false,
          id: recorded.id,
        });
        for (const record of recorded.records) run.add(record);
        return run.finish();
      }),
    );

    if (options.json) process.stdout.write(formatJsonReport(summaries));
    else process.stdout.write(summaries.map(formatTextReport).join("\n"));
  });

program
  .command("replay")
  .description("replay recorded runs through the policy engine: where it would have stopped")
  .argument("<files...>", "recordings: call-line JSONL or Claude Code transcripts")
  .option(
    "--policy <file>",
    "a policy file or built-in name (default, strict, budgeted)",
    "default",
  )
  .option("--json", 'print JSON: {"runs": [...]} with trip, warnings and unguarded cost')
  .option("--prices <file>", "a JSON price table that overrides or adds model prices")
  .action(async (files: string[], options: { policy: string; json?: boolean; prices?: string }) => {
    const pricer = await pricerFrom(options.prices);
    const policy = loadPolicy(options.policy);
    const recordings = await read(files, pricer);

    const results = [];
    for (const rec of recordings) {
      for (const recorded of rec.runs) results.push(await replayRun(recorded, policy, pricer));
    }

    if (options.json) process.stdout.write(formatJsonReport(results));
    else process.stdout.write(results.map(formatReplayReport).join("\n"));
  });

program
  .command("schema")
  .description("print the JSON Schema of policy files, for editors")
  .action(() => {
    process.stdout.write(JSON.stringify(policyJsonSchema(), null, 2) + "\n");
  });

async function pricerFrom(file: string | undefined): Promise<Pricer> {
  if (!file) return defaultPricer;
  try {
    return createPricer({ table: await loadPriceTable(file) });
  } catch (error) {
    if (isAgentTraceError(error)) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read the price table ${file} (${reason})`);
  }
}

/** Reads every file; bad lines go to stderr with their line numbers, the rest is used. */
async function read(files: string[], pricer: Pricer): Promise<Recording[]> {
  const recordings: Recording[] = [];

  // A file that cannot be read is reported and the others are still read; the exit code says so.
  for (const file of files) {
    try {
      recordings.push(await readRecording(file, pricer));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      process.stderr.write(`agenttrace: cannot read ${file} (${reason}); skipped\n`);
      process.exitCode = 1;
    }
  }

  for (const recording of recordings) {
    for (const issue of recording.issues) {
      process.stderr.write(`${issue.file}:${issue.line}: skipped: ${issue.message}\n`);
    }
    if (recording.runs.length === 0) {
      process.stderr.write(`agenttrace: ${recording.file} holds no calls\n`);
    }
  }
  return recordings;
}

program.parseAsync().catch((error: unknown) => {
  const message = messageOf(error);
  process.stderr.write(`agenttrace: ${message}\n`);
  process.exitCode = 1;
});
