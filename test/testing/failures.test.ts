import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "vitest";

import {
  apiError,
  failFirst,
  overloaded,
  rateLimited,
  serverError,
} from "../../src/testing/index.js";
import { MODEL, clientFor, useMockServer, errorJson, post } from "./helpers.js";

const PARAMS = {
  model: MODEL,
  max_tokens: 50,
  messages: [{ role: "user" as const, content: "Hi" }],
};

const start = useMockServer();

describe("scripted failures", () => {
  test("529 once, then success: the SDK retries and the script sees turn 0", async () => {
    const turns: number[] = [];
    const mock = await start({
      respond: failFirst([overloaded()], ({ turn }) => {
        turns.push(turn);
        return { content: "Recovered." };
      }),
    });

    const message = await clientFor(mock, 2).messages.create(PARAMS);

    expect(message.content).toEqual([{ type: "text", text: "Recovered." }]);
    expect(turns).toEqual([0]);
    expect(mock.requests.map((r) => [r.status, r.headers["x-stainless-retry-count"]])).toEqual([
      [529, "0"],
      [200, "1"],
    ]);
  });

  test("a streamed call is retried too, since the error comes before the stream", async () => {
    const mock = await start({
      respond: failFirst([rateLimited(), serverError()], [{ content: "ok" }]),
    });

    const message = await clientFor(mock, 2).messages.stream(PARAMS).finalMessage();

    expect(message.content).toEqual([{ type: "text", text: "ok" }]);
    expect(mock.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  test("errors use the API's JSON shape and carry retry headers", async () => {
    const mock = await start({ respond: [rateLimited({ retryAfterSeconds: 7 })] });

    const response = await post(mock, "/v1/messages", PARAMS);

    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("retry-after-ms")).toBe("1");
    expect(response.headers.get("request-id")).toBe("req_mock_000001");
    expect(await errorJson(response)).toEqual({
      type: "error",
      error: {
        type: "rate_limit_error",
        message: "This request would exceed the rate limit for your organization.",
      },
      request_id: "req_mock_000001",
    });
  });

  test("retryAfterMs: null sends no retry header, and statuses not retried get none", async () => {
    const mock = await start({
      respond: [overloaded({ retryAfterMs: null }), apiError(400, { message: "bad" })],
    });

    const overloadedResponse = await post(mock, "/v1/messages", PARAMS);
    const badRequest = await post(mock, "/v1/messages", PARAMS);

    expect(overloadedResponse.headers.get("retry-after-ms")).toBeNull();
    expect(badRequest.headers.get("retry-after-ms")).toBeNull();
    expect((await errorJson(badRequest)).error).toEqual({
      type: "invalid_request_error",
      message: "bad",
    });
  });

  test("without retries the SDK surfaces the typed error with the request id", async () => {
    const mock = await start({ respond: [overloaded()] });

    const error = await clientFor(mock, 0)
      .messages.create(PARAMS)
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({
      status: 529,
      type: "overloaded_error",
      requestID: "req_mock_000001",
    });
  });

  test("a script that runs out answers 500 that the SDK does not retry", async () => {
    const mock = await start({ respond: [{ content: "only one" }] });
    const client = clientFor(mock, 2);

    await client.messages.create(PARAMS);
    const error = await client.messages.create(PARAMS).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as Error).message).toContain(
      "the mock model was called for turn 2 but the script has only 1 turn(s)",
    );
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[1]!.headers["x-stainless-retry-count"]).toBe("0");
  });

  test("a script that returns a malformed turn is told what is wrong", async () => {
    const mock = await start({
      respond: () => ({ content: [{ type: "tool_use", name: "" }] }) as never,
    });

    const error = await clientFor(mock, 2)
      .messages.create(PARAMS)
      .catch((thrown: unknown) => thrown);

    expect((error as Error).message).toContain("invalid scripted turn 0: content.0.name");
    expect(mock.requests[0]!.error).toContain("content.0.input");
  });

  test("latency waits on the injected delay before the response starts", async () => {
    const waits: number[] = [];
    const mock = await start({
      respond: [
        { content: "slow", latencyMs: 250 },
        overloaded({ latencyMs: 40 }),
        { content: "default" },
      ],
      latencyMs: 10,
      delay: async (ms) => void waits.push(ms),
    });
    const client = clientFor(mock, 0);

    await client.messages.create(PARAMS);
    await client.messages.create(PARAMS).catch(() => undefined);
    await client.messages.create(PARAMS);

    expect(waits).toEqual([250, 40, 10]);
  });
});
