import type {
  ReadableStreamReadResult,
  ReadableWritablePair,
  StreamPipeOptions,
} from "node:stream/web";

import { overlay } from "./overlay.js";
import type { StreamUsageReader } from "./stream.js";

/** How a tapped stream ended. */
export interface StreamEnd {
  /**
   * `complete`: the body ended. `cut`: `check` cut it off. `failed`: reading it failed (network,
   * abort). `cancelled`: the consumer stopped reading.
   */
  kind: "complete" | "cut" | "failed" | "cancelled";
  error?: unknown;
}

export interface TapHandlers {
  /** Called after each chunk is read; an error returned cuts the stream off with that error. */
  check(reader: StreamUsageReader): Error | undefined;
  /** Called once when the stream ends, however it ends, before the consumer sees the end. */
  finish(reader: StreamUsageReader, end: StreamEnd): Promise<void>;
}

type Chunk = ReadableStreamReadResult<Uint8Array>;
type Body = ReadableStream<Uint8Array>;

/**
 * Reads a response body's SSE events as the client reads the body, from the chunks the client
 * reads: nothing is copied or read twice. The body stays the same object. Its readers are
 * observed in place: the async iterator the SDK reads streams through, and `getReader()`, which
 * the rest of the platform reads through (`response.text()`, `Readable.fromWeb`); `tee`,
 * `pipeTo` and `pipeThrough` go through an observed reader too. (A second web stream around the
 * body would cost more per chunk than the guard's whole check of the call.)
 *
 * Cutting off cancels the body, which closes the connection so the API stops generating, and
 * fails the client's read with the cut's error.
 */
export function tapStream(body: Body, reader: StreamUsageReader, handlers: TapHandlers): void {
  let ended = false;
  const finish = async (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    await handlers.finish(reader, end).catch(() => undefined);
  };

  // What every read of one reader goes through; `cancel` stops the body at its source. A chunk
  // passes straight on: only the end and a cut wait for `finish`. A read refused because its
  // reader had let go of the body (`detached`) says nothing about the body, which reads on. The
  // handlers are made once per reader, not once per chunk.
  const observer = (
    cancel: (reason: unknown) => Promise<unknown>,
    detached: () => boolean = () => false,
  ) => {
    const onChunk = (chunk: Chunk): Chunk | Promise<Chunk> => {
      if (ended) return chunk;
      if (chunk.done) {
        reader.end();
        return finish({ kind: "complete" }).then(() => chunk);
      }

      reader.push(chunk.value);
      let cut: Error | undefined;
      try {
        cut = handlers.check(reader);
      } catch {
        // The guard's own failure never breaks the agent's stream; the reply goes on uncut.
      }
      if (!cut) return chunk;
      cancel(cut).catch(() => undefined);
      return finish({ kind: "cut", error: cut }).then(() => Promise.reject(cut));
    };
    const onError = (error: unknown): Promise<never> => {
      if (detached()) return Promise.reject(error);
      return finish({ kind: "failed", error }).then(() => Promise.reject(error));
    };
    return (read: Promise<Chunk>) => read.then(onChunk, onError);
  };

  // The consumer stopped reading: the body is done with, even when stopping it fails because it
  // had already failed (the error is the consumer's to see).
  const stopped = async <T>(stop: () => Promise<T> | undefined, reason: unknown) => {
    try {
      return await stop();
    } finally {
      await finish({ kind: "cancelled", error: reason });
    }
  };

  // The methods as they are now, which may be another guard's: each guard observes in turn.
  const iterate = body[Symbol.asyncIterator] as (options?: unknown) => AsyncIterator<Uint8Array>;
  const getReader = body.getReader as (options?: unknown) => ReadableStreamDefaultReader;
  const cancelBody = body.cancel as (reason?: unknown) => Promise<void>;

  const observedIterator = (options?: { preventCancel?: boolean }) => {
    const iterator = iterate.call(body, options);
    const next = iterator.next.bind(iterator);
    const stop = iterator.return?.bind(iterator);
    // With `preventCancel` the iterator lets go of the body without cancelling it: a cut cancels
    // the body itself, and a consumer that stops may read the rest through another reader.
    const keepsBody = options?.preventCancel === true;
    const cut = async (reason: unknown) => {
      await stop?.(reason);
      if (keepsBody) await cancelBody.call(body, reason);
    };

    const observe = observer(cut);

    // A plain object, not the platform's iterator patched: writing methods onto a platform
    // object costs more than the guard's whole check of the call.
    return {
      next: () => observe(next() as Promise<Chunk>),
      return: async (value?: unknown) => {
        const result = keepsBody ? await stop?.(value) : await stopped(() => stop?.(value), value);
        return result ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };

  const observedReader = (options?: unknown) => {
    const target = getReader.call(body, options);
    // A BYOB reader's `read(view)` takes the view to fill; the reader copies what it keeps.
    const read = target.read.bind(target) as (...args: unknown[]) => Promise<Chunk>;
    const cancel = target.cancel.bind(target);
    const releaseLock = target.releaseLock.bind(target);
    let released = false;
    const observe = observer(cancel, () => released);

    return patch(target, {
      read: (...args: unknown[]) => observe(read(...args)),
      cancel: (reason?: unknown) => stopped(() => cancel(reason), reason),
      releaseLock: () => {
        released = true;
        releaseLock();
      },
    });
  };

  // Piping and teeing read the body from inside the platform: they read a stream fed by an
  // observed reader instead.
  const fed = (): Body => {
    const source = observedReader();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = await source.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel: (reason) => source.cancel(reason),
    });
  };

  overlay(body, OBSERVED, {
    // Cancelling the body itself (to throw a reply away) ends it too; a body some reader holds
    // refuses to be cancelled, and reads on.
    cancel: (reason?: unknown) =>
      body.locked
        ? cancelBody.call(body, reason)
        : stopped(() => cancelBody.call(body, reason), reason),
    [Symbol.asyncIterator]: observedIterator,
    values: observedIterator,
    getReader: observedReader,
    tee: () => fed().tee(),
    pipeTo: (destination: WritableStream<Uint8Array>, options?: StreamPipeOptions) =>
      fed().pipeTo(destination, options),
    pipeThrough: <T>(pair: ReadableWritablePair<T, Uint8Array>, options?: StreamPipeOptions) =>
      fed().pipeThrough(pair, options),
  });
}

/** The body methods a tap replaces. */
const OBSERVED: PropertyKey[] = [
  "cancel",
  Symbol.asyncIterator,
  "values",
  "getReader",
  "tee",
  "pipeTo",
  "pipeThrough",
];

/** Replaces methods on one object; configurable, so another guard can wrap them again. */
function patch<T extends object>(target: T, methods: Record<PropertyKey, unknown>): T {
  for (const key of Reflect.ownKeys(methods)) {
    Object.defineProperty(target, key, {
      configurable: true,
      writable: true,
      value: methods[key as keyof typeof methods],
    });
  }
  return target;
}
