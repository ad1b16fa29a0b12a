import { describe, expect, it } from "vitest";

import { redactorFor } from "../../src/budget/redis-connection.js";
import { redactUrl } from "../../src/budget/redis-options.js";

describe("redaction of Redis URLs and passwords", () => {
  it("hides user and password in a URL, well formed or not", () => {
    expect(redactUrl("rediss://agent:p%40ss@cache.internal:6380/2")).toBe(
      "rediss://***@cache.internal:6380/2",
    );
    expect(redactUrl("redis:/:hunter2@cache:6379")).toBe("redis:/***@cache:6379");
    expect(redactUrl("redis://cache:6379?password=hunter2&db=1")).toBe(
      "redis://cache:6379?password=***&db=1",
    );
    expect(redactUrl("redis://127.0.0.1:6390")).toBe("redis://127.0.0.1:6390");
  });

  it("removes the password, encoded or decoded, from any text the store emits", () => {
    const redact = redactorFor("rediss://agent:p%40ss-w0rd@cache.internal:6380");

    expect(redact("AUTH p@ss-w0rd failed")).toBe("AUTH *** failed");
    expect(redact("bad p%40ss-w0rd")).toBe("bad ***");
    expect(redact("connect to rediss://agent:p%40ss-w0rd@cache.internal:6380")).toBe(
      "connect to ***",
    );
    expect(redact("see redis://someone:else@host")).toBe("see redis://***@host");
  });
});
