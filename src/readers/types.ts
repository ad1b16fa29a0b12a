import type { CallRecord } from "../record/record.js";

/** A problem with one line of a recording. The line is skipped; the rest of the file is read. */
export interface ReadIssue {
  file: string;
  /** 1-based line number. */
  line: number;
  message: string;
}

/** The calls of one run, in the order the recording holds them. */
export interface RecordedRun {
  name: string;
  /** The run's id, when the recording carries one (the JSONL sink writes it). */
  id?: string;
  tags: Record<string, string>;
  records: CallRecord[];
  /** 1-based line numbers of each record in its file, for messages that point back to it. */
  lines: number[];
}

export type RecordingFormat = "call-lines" | "claude-code";

export interface Recording {
  file: string;
  format: RecordingFormat;
  runs: RecordedRun[];
  issues: ReadIssue[];
}
