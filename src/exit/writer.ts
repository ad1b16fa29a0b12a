import { appendFileSync } from "node:fs";
import type { Writable } from "node:stream";

import { formatTextReport } from "../report/text.js";
import type { RunSummary } from "../run/summary.js";
import { notifySafely } from "../errors.js";
import { ReportWriteError } from "./errors.js";

/** `text`: the text report. `json`: the summary as one line of JSON. `both`: text, then JSON. */
export type ReportFormat = "text" | "json" | "both";

/** One run's report, as handed to a callback destination. */
export interface ExitReport {
  summary: RunSummary;
  /** The report in the configured format, exactly as it would be written to a file. */
  text: string;
}

/** A file path (appended to), a stream, or a function that takes each report. */
export type ReportDestination = string | Writable | ((report: ExitReport) => void);

/**
 * The report of one run in `format`. A file collects many runs over a service's life, so JSON
 * is one compact line per run (JSON Lines), and each report ends with a blank line.
 */
export function formatRunReport(summary: RunSummary, format: ReportFormat): string {
  const json = JSON.stringify(summary) + "\n";
  if (format === "json") return json;

  const text = formatTextReport(summary);
  return format === "text" ? text + "\n" : text + json + "\n";
}

/** Writes reports to one destination, and knows when stream writes have been taken. */
export class ReportWriter {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly to: ReportDestination,
    private readonly format: ReportFormat,
    private readonly onError: (error: ReportWriteError) => void,
  ) {}

  /**
   * Writes one report. A file is written synchronously, so the report is on its way to disk
   * before a signal handler exits or the process dies.
   */
  write(summary: RunSummary): void {
    const text = formatRunReport(summary, this.format);
    const to = this.to;

    try {
      if (typeof to === "string") appendFileSync(to, text);
      else if (typeof to === "function") to({ summary, text });
      else this.track(summary, to, text);
    } catch (cause) {
      this.fail(summary, cause);
    }
  }

  /** Stream writes not yet completed. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves when every stream write so far has completed or failed. */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private track(summary: RunSummary, stream: Writable, text: string): void {
    const done = new Promise<void>((resolve) => {
      stream.write(text, (error) => {
        if (error) this.fail(summary, error);
        resolve();
      });
    });
    this.inFlight.add(done);
    void done.then(() => this.inFlight.delete(done));
  }

  private fail(summary: RunSummary, cause: unknown): void {
    const to = this.to;
    const destination =
      typeof to === "string" ? to : typeof to === "function" ? "callback" : "stream";
    const error = new ReportWriteError({
      run: summary.run,
      runId: summary.run_id,
      destination,
      cause,
    });
    notifySafely(this.onError, error);
  }
}
