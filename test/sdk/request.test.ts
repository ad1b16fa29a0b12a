import type { APIRequest } from "@anthropic-ai/sdk/core/api";
import { describe, expect, test } from "vitest";

import { isMessagesRequest } from "../../src/sdk/request.js";

const request = (method: string | undefined, url: string) =>
  ({ method, url, headers: new Headers() }) as unknown as APIRequest;

describe("isMessagesRequest", () => {
  test.each([
    ["POST", "https://api.anthropic.com/v1/messages", true],
    ["post", "http://127.0.0.1:4000/v1/messages", true],
    ["POST", "https://api.anthropic.com/v1/messages?beta=true", true],
    ["POST", "https://gateway.example/anthropic/v1/messages", true],
    ["GET", "https://api.anthropic.com/v1/messages", false],
    [undefined, "https://api.anthropic.com/v1/messages", false],
    ["POST", "https://api.anthropic.com/v1/messages/count_tokens", false],
    ["POST", "https://api.anthropic.com/v1/messages/batches", false],
    ["POST", "https://api.anthropic.com/v1/messagesx", false],
    ["POST", "https://api.anthropic.com/v1/complete?to=/v1/messages", false],
    ["POST", "/v1/messages", true],
    ["POST", "", false],
  ])("%s %s: %s", (method, url, expected) => {
    expect(isMessagesRequest(request(method, url))).toBe(expected);
  });
});
