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

/**
 * Passes a response body through unchanged while reading its SSE events, so usage is read in the
 * same pass as the client reads the reply (no second copy of the body is buffered). Cutting off
 * cancels the upstream body, which closes the connection so the API stops generating, and fails
 * the client's read with the cut's error.
 */
export function tapStream(
  body: ReadableStream<Uint8Array>,
  reader: StreamUsageReader,
  handlers: TapHandlers,
): ReadableStream<Uint8Array> {
  const source = body.getReader();
  let ended = false;
  const finish = async (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    await handlers.finish(reader, end).catch(() => undefined);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof source.read>>;
      try {
        chunk = await source.read();
      } catch (error) {
        await finish({ kind: "failed", error });
        return controller.error(error);
      }

      if (chunk.done) {
        reader.end();
        await finish({ kind: "complete" });
        return controller.close();
      }

      reader.push(chunk.value);
      const cut = safely(() => handlers.check(reader));
      if (cut) {
        source.cancel(cut).catch(() => undefined);
        await finish({ kind: "cut", error: cut });
        return controller.error(cut);
      }
      controller.enqueue(chunk.value);
    },

    async cancel(reason) {
      await source.cancel(reason).catch(() => undefined);
      await finish({ kind: "cancelled", error: reason });
    },
  });
}

function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    // The guard's own failure never breaks the agent's stream; the reply goes on uncut.
    return undefined;
  }
}
