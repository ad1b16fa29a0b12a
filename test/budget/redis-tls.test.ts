import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RedisBudgetStore } from "../../src/budget/redis.js";
import { DedicatedRedis, freePort } from "./support/redis.js";

const PASSWORD = "s3cret-Pa55word";
let server: DedicatedRedis;
let port: number;
let ca: Buffer;
let dir: string;

beforeAll(async () => {
  // A throwaway certificate for 127.0.0.1; the client trusts it as its CA.
  dir = mkdtempSync(join(tmpdir(), "agenttrace-tls-"));
  const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  ca = readFileSync(cert);

  port = await freePort();
  const tls = ["--port", "0", "--tls-port", String(port), "--tls-auth-clients", "no"];
  const files = ["--tls-cert-file", cert, "--tls-key-file", key, "--requirepass", PASSWORD];
  const ping = ["--tls", "--cacert", cert, "--no-auth-warning", "-a", PASSWORD];
  server = new DedicatedRedis(port, [...tls, ...files], ping);
  await server.start();
}, 30_000);

afterAll(async () => {
  await server.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("Redis over TLS with a password", () => {
  it("works from a rediss:// URL carrying the password", async () => {
    const url = `rediss://:${PASSWORD}@127.0.0.1:${port}`;
    const store = new RedisBudgetStore({ url, redisOptions: { tls: { ca } }, keyPrefix: "tls:" });

    const held = await store.reserve({ key: "k", limit: 100, amount: 60 });
    if (!held.ok) throw new Error("expected admission");
    expect(await store.settle(held.reservation, 50)).toEqual({ spent: 50, reserved: 0 });
    await store.close();
  });

  it("never shows the URL or its password in an error or an event", async () => {
    const wrong = "Wr0ng-pa55-f0r-test";
    const url = `rediss://agent:${wrong}@127.0.0.1:${port}/0`;
    const store = new RedisBudgetStore({
      url,
      redisOptions: { tls: { ca } },
      commandTimeoutMs: 500,
    });
    const texts: string[] = [];
    store.on("unavailable", (event) => texts.push(JSON.stringify(event)));
    store.on("error", (event) => texts.push(JSON.stringify(event)));

    const failure = await store.reserve({ key: "k", limit: 100, amount: 1 }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    texts.push(String(failure), JSON.stringify(failure), String((failure as Error).stack));

    expect(texts.join("\n")).toMatch(/WRONGPASS|no answer/);
    for (const secret of [wrong, url, `agent:${wrong}`])
      expect(texts.join("\n")).not.toContain(secret);
    await store.close();
  });
});
