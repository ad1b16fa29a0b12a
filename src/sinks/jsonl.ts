import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { z } from "zod";

import { systemClock, type Clock } from "../clock.js";
import { InvalidInputError } from "../errors.js";
import type { CallRecord } from "../record/record.js";
import type { Run } from "../run/run.js";
import { toCallLine } from "./call-line.js";
import { reportSinkError, SinkWriteError, type SinkErrorHandler } from "./errors.js";
import type { Sink } from "./sink.js";

const OptionsSchema = z.looseObject({
  path: z.string().min(1, "a file path is required"),
  maxQueued: z.number().int().positive("must be >= 1").optional(),
  syncWrites: z.boolean().optional(),
});

export interface JsonlSinkOptions {
  /** The file to append to, in the call-line format. Created when missing (not its folder). */
  path: string;
  /** Receives each write failure. Default: failures are dropped (the agent never sees them). */
  onError?: SinkErrorHandler;
  /** Time source for `started_at` of calls recorded without one. Default: the system clock. */
  clock?: Clock;
  /**
   * Most calls held in memory while the file cannot keep up (a stalled disk). Calls past it are
   * reported lost rather than kept without bound. Default 10,000.
   */
  maxQueued?: number;
  /**
   * Hand each line to the OS before `write` returns (a synchronous append, some microseconds a
   * call, no fsync), so a process killed with SIGKILL loses no completed call at all. Default
   * false: lines go out with the next asynchronous write, and a kill can lose the one under way.
   */
  syncWrites?: boolean;
}

const NEWLINE = 0x0a;

interface Batch {
  lines: string[];
  /** Handed to the OS by one path (the write loop or `flushSync`); the other leaves it. */
  taken: boolean;
}

/**
 * Appends each completed call to a JSONL file as one line, as soon as it completes: the line is
 * handed to the OS with the next asynchronous write, so a process killed with SIGKILL loses at
 * most the call whose write was under way. Lines already in the file are never rewritten; a torn
 * last line left by an earlier crash is closed off so it spoils no later line.
 */
export class JsonlSink implements Sink {
  readonly path: string;
  private readonly onError: SinkErrorHandler | undefined;
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly syncWrites: boolean;
  private queue: string[] = [];
  /** The batch the write loop holds; `flushSync` may take it back until it is handed to the OS. */
  private held: Batch | undefined;
  private draining: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  /** The file may end in the middle of a line: the next write starts a new one. */
  private torn = false;
  private closed = false;

  constructor(options: JsonlSinkOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success)
      throw InvalidInputError.fromZod("JSONL sink options", parsed.error, options);

    this.path = options.path;
    this.onError = options.onError;
    this.clock = options.clock ?? systemClock;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.syncWrites = options.syncWrites === true;
  }

  write(run: Run, record: CallRecord): void {
    if (this.closed || this.queue.length >= this.maxQueued) {
      const reason = this.closed ? "the sink is closed" : `${this.maxQueued} calls already queued`;
      return this.fail(1, new Error(reason));
    }

    this.queue.push(JSON.stringify(toCallLine(run, record, this.clock.now())) + "\n");
    if (this.syncWrites && !this.draining) this.flushSync();
    else this.kick();
  }

  flush(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  flushSync(): void {
    // A held batch not yet handed to the OS goes first; once handed over, it is the OS's.
    const held = this.held && !this.held.taken ? this.held.lines : [];
    if (this.held) this.held.taken = true;
    const batch = [...held, ...this.queue];
    this.queue = [];
    if (batch.length === 0) return;

    // A separate descriptor: the async one may still be opening. O_APPEND keeps lines whole.
    let fd: number | undefined;
    try {
      fd = openSync(this.path, "a+");
      const data = Buffer.from((this.torn || endsTornSync(fd) ? "\n" : "") + batch.join(""));
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset);
      this.torn = false;
    } catch (cause) {
      this.fail(batch.length, cause);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();

    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch((cause: unknown) => this.fail(0, cause));
  }

  /** Starts the write loop unless it is running; it takes whatever is queued when it gets there. */
  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      this.held = { lines: this.queue, taken: false };
      this.queue = [];
      await this.append(this.held);
      this.held = undefined;
    }
  }

  private async append(batch: Batch): Promise<void> {
    let mine = false;
    let prefixed = false;
    let data = Buffer.alloc(0);
    let offset = 0;

    try {
      const handle = await this.open();
      if (batch.taken) return;
      batch.taken = mine = true;

      prefixed = this.torn;
      data = Buffer.from((prefixed ? "\n" : "") + batch.lines.join(""));
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset, null);
        offset += bytesWritten;
      }
      this.torn = false;
    } catch (cause) {
      // Failing to open a batch that flushSync took is not a loss: flushSync wrote it.
      if (!mine && batch.taken) return;

      // Disk full can leave part of a line behind; the lines that did end made it to the file.
      if (offset > 0) this.torn = data[offset - 1] !== NEWLINE;
      const whole = countNewlines(data.subarray(0, offset)) - (prefixed && offset > 0 ? 1 : 0);
      this.fail(batch.lines.length - whole, cause);
    }
  }

  private async open(): Promise<FileHandle> {
    if (this.handle) return this.handle;

    // `a+`: writes always append, and the last byte can be read to find a torn line.
    const handle = await open(this.path, "a+");
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== NEWLINE) this.torn = true;
    }
    this.handle = handle;
    return handle;
  }

  private fail(lost: number, cause: unknown): void {
    const error = new SinkWriteError({ sink: "jsonl", target: this.path, lost, cause });
    reportSinkError(this.onError, error);
  }
}

function endsTornSync(fd: number): boolean {
  const { size } = fstatSync(fd);
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== NEWLINE;
}

function countNewlines(data: Buffer): number {
  let count = 0;
  for (const byte of data) if (byte === NEWLINE) count += 1;
  return count;
}
