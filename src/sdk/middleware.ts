import type { Middleware } from "@anthropic-ai/sdk";
import { z } from "zod";

import { currentContext, type CallContext } from "../engine/context.js";
import type { MiddlewareErrorEvent } from "../engine/events.js";
import type { Guard } from "../engine/guard.js";
import { InvalidInputError } from "../errors.js";
import type { Run } from "../run/run.js";
import { GuardedCall, type Shared } from "./call.js";
import { PromptEstimator } from "./estimate.js";
import { isMessagesRequest, readMessagesCall, type MessagesCall } from "./request.js";
import { DEFAULT_MIN_OUTPUT_TOKENS, type WindDownOptions } from "./wind-down.js";

const OptionsSchema = z.strictObject({
  countTokens: z.boolean().default(false),
  windDown: z
    .union([
      z.boolean(),
      z.strictObject({
        minOutputTokens: z.number().int().positive().default(DEFAULT_MIN_OUTPUT_TOKENS),
      }),
    ])
    .default(false),
  cutStreams: z.boolean().default(true),
  unattributedRun: z.union([z.string().min(1), z.literal(false)]).default("unattributed"),
});

export interface GuardMiddlewareOptions {
  /**
   * Ask the API's count-tokens endpoint for each prompt before the call, instead of the local
   * estimate: exact, at the price of one more (unbilled, rate-limited) request per call. Falls
   * back to the local estimate when the endpoint fails, and for continued threads. Default false.
   */
  countTokens?: boolean;
  /**
   * Let a run wind down instead of dying: when the remaining dollar budget cannot pay for a
   * request's `max_tokens`, lower `max_tokens` to what it can pay for (a `windDown` event says
   * so). `true` uses the defaults of {@link WindDownOptions}. Default false.
   */
  windDown?: boolean | WindDownOptions;
  /**
   * Cut a stream off while it runs when its spend would pass what its dollar budget has left, or
   * when its run is stopped meanwhile; what it spent is recorded as a partial call. Default true.
   */
  cutStreams?: boolean;
  /**
   * The run that calls made outside any live run of this guard land in (no `guard.run(...)`
   * around them, another guard's run, or a run that has ended), started on first use. `false`
   * lets such calls through unguarded and unrecorded. Default `"unattributed"`.
   */
  unattributedRun?: string | false;
}

/** The SDK middleware, with the run it files calls made outside any run under. */
export interface GuardMiddleware extends Middleware {
  /** The run calls made outside any run were recorded in, once there has been one. */
  readonly unattributed: Run | undefined;
}

/**
 * Guards every `POST /v1/messages` a client sends: `new Anthropic({ middleware:
 * [guardMiddleware(guard)] })`. Before a request goes out it estimates the prompt and asks the
 * guard, which throws its typed error (a `PolicyViolationError`) to refuse it; the SDK does not
 * retry that error, and the request never reaches the network. When the reply completes, the
 * call is recorded in the run and step of the code that made it (`guard.run`, `withStep`):
 * from `usage`, or for a stream from `message_start` and the last `message_delta`.
 *
 * The middleware never breaks the agent on its own failures: a request or reply it cannot read
 * goes through as it is, and a `middlewareError` event on the guard reports it. Throws
 * `InvalidInputError` naming every bad option.
 */
export function guardMiddleware(
  guard: Guard,
  options: GuardMiddlewareOptions = {},
): GuardMiddleware {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw InvalidInputError.fromZod("guardMiddleware options", parsed.error, options);
  }
  const { windDown, countTokens, cutStreams, unattributedRun } = parsed.data;

  const shared: Shared = {
    guard,
    estimator: new PromptEstimator(),
    countTokens,
    windDownMin:
      windDown === false
        ? undefined
        : windDown === true
          ? DEFAULT_MIN_OUTPUT_TOKENS
          : windDown.minOutputTokens,
    cutStreams,
    report: (event: MiddlewareErrorEvent) => void guard.emit("middlewareError", event),
  };
  let unattributed: Run | undefined;

  // Calls outside any run of this guard (no run, another guard's run, a run that has ended)
  // share one run, started when the first of them is made and restarted if it has been finished.
  const contextOf = (): CallContext | undefined => {
    const context = currentContext();
    if (context && guard.isLive(context.run)) return context;
    if (unattributedRun === false) return undefined;
    if (!unattributed || !guard.isLive(unattributed)) {
      unattributed = guard.startRun(unattributedRun);
    }
    // The step and tags still describe the code that made the call.
    return { ...context, run: unattributed };
  };

  const middleware: Middleware = async (request, next, ctx) => {
    if (!isMessagesRequest(request)) return next(request);
    const context = contextOf();
    if (!context) return next(request);

    let call: MessagesCall;
    try {
      call = readMessagesCall(request, ctx);
    } catch (error) {
      shared.report({ run: context.run, phase: "request", error });
      return next(request);
    }

    const attempt = new GuardedCall(shared, context, call, request);
    const admitted = await attempt.admit(request, next);
    return attempt.send(admitted, next);
  };

  Object.defineProperty(middleware, "unattributed", { get: () => unattributed });
  return middleware as GuardMiddleware;
}
