import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

import { Redis } from "ioredis";

/** Where the shared test Redis runs; `.ci/redis.sh` starts it there. */
export const REDIS_URL = process.env.AGENTTRACE_REDIS_URL ?? "redis://127.0.0.1:6390";

/**
 * Fails the suite, loudly, when the test Redis is not running: these tests must never pass by
 * skipping. Returns a client for inspecting keys.
 */
export async function requireRedis(): Promise<Redis> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let connectError: Error | undefined;
  client.on("error", (error: Error) => (connectError ??= error));

  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    const cause = connectError ?? error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new Error(
      `Redis is not reachable at ${REDIS_URL.replace(/\/\/[^@/]*@/, "//***@")} (${detail}). ` +
        "Start it with .ci/redis.sh or point AGENTTRACE_REDIS_URL at a disposable Redis.",
    );
  }
}

/** A key prefix no other test (or test run) shares. */
export function uniquePrefix(label: string): string {
  return `agenttrace-test:${label}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}

export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** Polls `check` every `intervalMs` until it holds or `timeoutMs` passes; then throws `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 20 } = {},
): Promise<void> {
  for (let waited = 0; waited <= timeoutMs; waited += intervalMs) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/**
 * A redis-server of the test's own, on loopback, that the test may kill and start again on the
 * same port. Extra arguments configure it (TLS, a password, an append-only file).
 */
export class DedicatedRedis {
  private process: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly args: string[] = [],
    private readonly pingArgs: string[] = [],
  ) {}

  async start(): Promise<void> {
    const base = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", ""];
    const child = spawn("redis-server", [...base, ...this.args], { stdio: "ignore" });
    this.process = child;

    let failure: Error | undefined;
    child.once("error", (error) => (failure = error));
    child.once("exit", (code) => (failure ??= new Error(`redis-server exited with ${code}`)));
    await waitFor(`redis-server on port ${this.port}`, () => {
      if (failure) {
        throw new Error(
          `could not start redis-server on port ${this.port} (${failure.message}); ` +
            "install it with .ci/redis.sh (Debian package redis-server)",
        );
      }
      return this.answers();
    });
  }

  /** Kills the server outright (SIGKILL), as a crash or a network cut would. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;

    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
    this.process = undefined;
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const args = ["-p", String(this.port), ...this.pingArgs, "ping"];
      const cli = spawn("redis-cli", args, { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      cli.stdout.on("data", (chunk) => (out += String(chunk)));
      cli.on("exit", () => resolve(out.includes("PONG")));
      cli.on("error", () => resolve(false));
    });
  }
}
