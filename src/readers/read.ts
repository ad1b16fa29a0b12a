import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { isAgentTraceError } from "../errors.js";
import type { Pricer } from "../pricing/types.js";
import type { CallRecord } from "../record/record.js";
import { recordFromCallLine } from "./call-lines.js";
import { isTranscriptLine, TranscriptCollector } from "./claude-code.js";
import type { ReadIssue, RecordedRun, Recording, RecordingFormat } from "./types.js";

/**
 * Reads a recording: call-line JSONL or a Claude Code transcript, told apart by the first line
 * that parses. A bad line is reported with its number and skipped; the rest is still read. A torn
 * last line (a process killed mid-write) is reported the same way, never fatal.
 */
export async function readRecording(file: string, pricer: Pricer): Promise<Recording> {
  const issues: ReadIssue[] = [];
  const runs = new Map<string, RecordedRun>();
  const transcript = new TranscriptCollector();
  let format: RecordingFormat | undefined;
  let lineNo = 0;

  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of lines) {
    lineNo += 1;
    if (text.trim() === "") continue;

    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      issues.push({ file, line: lineNo, message: `not valid JSON: ${preview(text)}` });
      continue;
    }
    format ??= isTranscriptLine(value) ? "claude-code" : "call-lines";

    try {
      if (format === "claude-code") transcript.add(value, lineNo);
      else {
        const { run, runId, runTags, record } = recordFromCallLine(value, pricer);
        addTo(runs, run, record, lineNo, runId, runTags);
      }
    } catch (error) {
      if (!isAgentTraceError(error)) throw error;
      issues.push({ file, line: lineNo, message: error.message });
    }
  }

  if (format === "claude-code") {
    const name = transcript.session ?? file;
    for (const entry of transcript.records(pricer)) {
      if ("record" in entry) addTo(runs, name, entry.record, entry.line);
      else if (isAgentTraceError(entry.error)) {
        issues.push({ file, line: entry.line, message: entry.error.message });
      } else throw entry.error;
    }
  }
  return { file, format: format ?? "call-lines", runs: [...runs.values()], issues };
}

/** Reads several recordings; runs of the same name in different files stay apart. */
export async function readRecordings(files: string[], pricer: Pricer): Promise<Recording[]> {
  const out: Recording[] = [];
  for (const file of files) out.push(await readRecording(file, pricer));
  return out;
}

function addTo(
  runs: Map<string, RecordedRun>,
  name: string,
  record: CallRecord,
  line: number,
  id?: string,
  tags?: Record<string, string>,
) {
  // Lines carry a run id when a sink wrote them: two runs of one name stay two runs.
  const key = id === undefined ? `name:${name}` : `id:${id}`;
  let run = runs.get(key);
  if (!run) {
    run = { name, tags: { ...tags }, records: [], lines: [] };
    if (id !== undefined) run.id = id;
    runs.set(key, run);
  }
  run.records.push(record);
  run.lines.push(line);
}

function preview(text: string): string {
  return text.length > 60 ? `${JSON.stringify(text.slice(0, 60))}…` : JSON.stringify(text);
}
