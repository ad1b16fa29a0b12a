import type {
  ReadableStreamReadResult,
  ReadableWritablePair,
  StreamPipeOptions,
} from "node:stream/web";

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

  // What every read of the body goes through; `cancel` stops the body at its source. A chunk
  // passes straight on: only the end and a cut wait for `finish`.
  const observe = (read: Promise<Chunk>, cancel: (reason: unknown) => Promise<unknown>) =>
    read.then(
      (chunk): Chunk | Promise<Chunk> => {
        if (ended) return chunk;
        if (chunk.done) {
          reader.end();
          return finish({ kind: "complete" }).then(() => chunk);
        }

        reader.push(chunk.value);
        const cut = safely(() => handlers.check(reader));
        if (!cut) return chunk;
        cancel(cut).catch(() => undefined);
        return finish({ kind: "cut", error: cut }).then(() => Promise.reject(cut));
      },
      (error: unknown) => finish({ kind: "failed", error }).then(() => Promise.reject(error)),
    );
  const cancelled = async (reason: unknown) => finish({ kind: "cancelled", error: reason });

  // The methods as they are now, which may be another guard's: each guard observes in turn.
  const iterate = body[Symbol.asyncIterator] as (options?: unknown) => AsyncIterator<Uint8Array>;
  const getReader = body.getReader as (options?: unknown) => ReadableStreamDefaultReader;

  const observedIterator = (options?: unknown) => {
    const iterator = iterate.call(body, options);
    const next = iterator.next.bind(iterator);
    const stop = iterator.return?.bind(iterator);
    const cancel = async (reason: unknown) => stop?.(reason);

    return patch(iterator, {
      next: () => observe(next() as Promise<Chunk>, cancel),
      return: async (value?: unknown) => {
        const result = await stop?.(value);
        await cancelled(value);
        return result ?? { done: true, value: undefined };
      },
    });
  };

  const observedReader = (options?: unknown) => {
    const target = getReader.call(body, options);
    const read = target.read.bind(target);
    const cancel = target.cancel.bind(target);

    return patch(target, {
      read: () => observe(read() as Promise<Chunk>, cancel),
      cancel: async (reason?: unknown) => {
        await cancel(reason);
        await cancelled(reason);
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

  patch(body, {
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

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    // The guard's own failure never breaks the agent's stream; the reply goes on uncut.
    return undefined;
  }
}
