import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { EventEmitter } from "eventemitter3";

import { MockHandler, type MockServerEvents, type RecordedRequest } from "./handler.js";
import { type MockAnthropicOptions, resolveOptions } from "./options.js";

/** A running mock of the Anthropic Messages API. */
export interface MockAnthropicServer {
  /** Base URL for the SDK's `baseURL`, e.g. `http://127.0.0.1:53117`. */
  readonly url: string;
  /** Every request received, in order of arrival; entries update as their responses go out. */
  readonly requests: readonly RecordedRequest[];
  /** `request` when a call arrives, `response` when its response ends. */
  readonly events: EventEmitter<MockServerEvents>;
  /** Resolves once every response started so far has ended, complete or cut off. */
  settled(): Promise<void>;
  /** Stops listening and drops open connections, streams included; calling it again is harmless. */
  close(): Promise<void>;
}

/**
 * Starts a local HTTP server that speaks the Anthropic Messages API (`POST /v1/messages`, JSON and
 * SSE, and `POST /v1/messages/count_tokens`) with a scripted model, so an agent runs offline
 * against the real `@anthropic-ai/sdk` client. Usage is computed from what each request sends,
 * prompt caching included.
 *
 * @example
 * ```ts
 * // 529 once, then a tool call, then an answer.
 * const server = await startMockAnthropic({
 *   respond: failFirst(
 *     [overloaded()],
 *     [{ content: [toolUse("get_weather", { city: "Oslo" })] }, { content: "Sunny." }],
 *   ),
 * });
 * const client = new Anthropic({ baseURL: server.url, apiKey: "test" });
 * // ... run the agent ...
 * await server.close();
 * ```
 */
export async function startMockAnthropic(
  options: MockAnthropicOptions,
): Promise<MockAnthropicServer> {
  const config = resolveOptions(options);
  const handler = new MockHandler(config);

  // A socket that fails mid-request ends that request only, never the process.
  const server = createServer((request, response) => {
    handler.handle(request, response).catch(() => response.destroy());
  });
  await listen(server, config.port, config.host);

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    requests: handler.requests,
    events: handler.events,
    settled: () => handler.settled(),
    close: () => (closing ??= close(server)),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // The SDK keeps connections alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}
