import Anthropic from "@anthropic-ai/sdk";

import { afterEach } from "vitest";

import {
  startMockAnthropic,
  type Delay,
  type MockAnthropicOptions,
  type MockAnthropicServer,
  type RecordedRequest,
} from "../../src/testing/index.js";

export const MODEL = "claude-sonnet-4-5";

/** A real SDK client pointed at the mock; retries off unless a test turns them on. */
export function clientFor(server: MockAnthropicServer, maxRetries = 0): Anthropic {
  return new Anthropic({ baseURL: server.url, apiKey: "sk-test-secret", maxRetries });
}

/** Resolves when the response to the request at `index` has ended, complete or cut off. */
export function responseEnded(
  server: MockAnthropicServer,
  index: number,
): Promise<RecordedRequest> {
  return new Promise((resolve) => {
    const done = server.requests[index];
    if (done && done.outcome !== "pending") return resolve(done);

    const listener = ({ request }: { request: RecordedRequest }) => {
      if (request.index !== index) return;
      server.events.off("response", listener);
      resolve(request);
    };
    server.events.on("response", listener);
  });
}

/**
 * A delay the test steps through: the first `free` waits pass at once, later ones hold until
 * `release()`, so a stream can be stopped part-way without a timer.
 */
export function gatedDelay(free: number): { delay: Delay; release(): void; held(): number } {
  let calls = 0;
  const waiting: Array<() => void> = [];
  return {
    delay: () => {
      calls += 1;
      if (calls <= free) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
    held: () => waiting.length,
  };
}

/** The SSE events of a raw response body, in order, each as its event name and parsed data. */
export function parseSse(body: string): Array<{ event: string; data: Record<string, unknown> }> {
  return body
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const lines = chunk.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))!.slice(7);
      const data = JSON.parse(lines.find((line) => line.startsWith("data: "))!.slice(6));
      return { event, data };
    });
}

/** POSTs JSON to the mock with plain fetch, to see exactly what goes over the wire. */
export function post(server: MockAnthropicServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-test-secret" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The API's error JSON. */
export interface ErrorJson {
  type: "error";
  error: { type: string; message: string; details?: Record<string, unknown> };
  request_id: string;
}

export async function errorJson(response: Response): Promise<ErrorJson> {
  return (await response.json()) as ErrorJson;
}

/**
 * Starts a mock per test and closes it after each: returns the function that starts it.
 */
export function useMockServer(): (options: MockAnthropicOptions) => Promise<MockAnthropicServer> {
  let server: MockAnthropicServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (options) => (server = await startMockAnthropic(options));
}
