import type { MiddlewareNext } from "@anthropic-ai/sdk";
import type { APIRequest } from "@anthropic-ai/sdk/core/api";

import type { CallContext } from "../engine/context.js";
import { isPolicyViolationError } from "../engine/errors.js";
import type { AttemptFailedEvent, MiddlewareErrorEvent } from "../engine/events.js";
import { beforeCheckedCall, type Guard, type Ticket } from "../engine/guard.js";
import { recordObserved, type CallRecord, type ToolUse } from "../record/record.js";
import { promptTokens } from "../record/usage.js";
import type { Run } from "../run/run.js";
import type { PromptEstimate, PromptEstimator } from "./estimate.js";
import { streamMeter, type StreamBudget } from "./limits.js";
import { countTokensRequest, withMaxTokens, type MessagesCall } from "./request.js";
import { observeJson, readReply } from "./reply.js";
import { StreamUsageReader } from "./stream.js";
import { tapStream, type StreamEnd } from "./tap.js";
import { callTags, windDown } from "./wind-down.js";

/** What every call through one middleware shares. */
export interface Shared {
  guard: Guard;
  estimator: PromptEstimator;
  countTokens: boolean;
  /** Fewest output tokens wind-down leaves a call; undefined when wind-down is off. */
  windDownMin: number | undefined;
  cutStreams: boolean;
  report(event: MiddlewareErrorEvent): void;
}

/**
 * One HTTP attempt of a `POST /v1/messages`, from the check before it to its record. Each retry
 * of the SDK is a new attempt: a failed one releases its reservation and records nothing.
 */
export class GuardedCall {
  private readonly run: Run;
  private readonly tags: Record<string, string>;
  /** The series the call belongs to, for cache projection: its step and model. */
  private readonly key: string;
  /** The SDK's attempt number is read only for a failed attempt, the one event that names it. */
  private readonly headers: Headers;
  private estimate!: PromptEstimate;
  private ticket!: Ticket;
  private startedAt = 0;
  /** Set once the stream's spend has passed its allowance, so the verdict is given once. */
  private overBudget = false;

  constructor(
    private readonly shared: Shared,
    context: CallContext,
    private readonly call: MessagesCall,
    request: APIRequest,
  ) {
    this.run = context.run;
    this.tags = callTags(context);
    this.key = `${context.step ?? ""}\u0000${call.model}`;
    this.headers = request.headers;
  }

  /**
   * Estimates the prompt, winds the request down if asked, and asks the engine. Throws the
   * engine's typed error when the call is refused: the request then never reaches the network.
   */
  async admit(request: APIRequest, next: MiddlewareNext) {
    const { guard, estimator } = this.shared;
    const counted = this.shared.countTokens ? await this.count(request, next) : undefined;
    this.estimate = estimator.estimate(this.run, this.call, counted);
    let usage = estimator.projectedUsage(this.run, this.key, this.call, this.estimate.tokens);

    const lowered =
      this.shared.windDownMin === undefined
        ? undefined
        : await windDown(guard, this.run, this.tags, this.call, usage, this.shared.windDownMin);
    if (lowered !== undefined) {
      usage = { ...usage, outputTokens: lowered };
      request = withMaxTokens(request, this.call, lowered);
    }

    const planned = { model: this.call.model, tags: this.tags, usage };
    this.ticket = await guard[beforeCheckedCall](this.run, planned);
    return request;
  }

  /** Sends the admitted request and records its reply as the client reads it. */
  async send(request: APIRequest, next: MiddlewareNext): Promise<Response> {
    this.startedAt = this.shared.guard.clock.now();
    let response: Response;
    try {
      response = await next(request);
    } catch (error) {
      await this.fail({ error });
      throw error;
    }

    // 429, 529, 5xx: the SDK may retry. Nothing was billed, so nothing is recorded.
    if (!response.ok) {
      await this.fail({ status: response.status });
      return response;
    }
    if (this.call.stream && response.body) return this.tap(response);
    return this.observe(response);
  }

  /** A JSON reply is recorded when the client has read it; one that never arrives is not. */
  private observe(response: Response): Response {
    try {
      return this.observed(response);
    } catch (error) {
      // The reply goes to the agent unobserved rather than failing a call that was paid for.
      void this.unreadable(error);
      return response;
    }
  }

  private observed(response: Response): Response {
    return observeJson(response, async (outcome) => {
      if ("failed" in outcome) return this.fail({ error: outcome.failed });
      if ("unreadable" in outcome) return this.unreadable(outcome.unreadable);
      try {
        const reply = readReply(outcome.body);
        await this.record(reply.usage, reply.toolUses, false, reply.id);
      } catch (error) {
        await this.unreadable(error);
      }
    });
  }

  private tap(response: Response): Response {
    const { guard, cutStreams } = this.shared;
    const meter = cutStreams
      ? streamMeter(guard.pricer, this.ticket, this.call.model, this.startedAt)
      : undefined;
    tapStream(response.body!, new StreamUsageReader(), {
      check: (r) => (cutStreams ? this.cut(r, meter) : undefined),
      finish: (r, end) => this.finishStream(r, end),
    });
    return response;
  }

  /** The error to cut a stream off with: its run was stopped, or it would break its budget. */
  private cut(reader: StreamUsageReader, meter: StreamBudget | undefined): Error | undefined {
    const { guard } = this.shared;
    const trip = guard.tripOf(this.run);
    if (trip && guard.enforcing) return trip;
    if (!meter || !reader.started || this.overBudget) return undefined;

    // The stream is read only once a bound of its output, which costs nothing, might not fit.
    if (meter.allows(reader.promptUsage()!, reader.outputBound())) return undefined;
    const verdict = meter.check(reader.usage()!, this.tags.step);
    if (!verdict) return undefined;
    this.overBudget = true;
    const error = guard.stop(this.ticket, verdict);
    return guard.enforcing ? error : undefined;
  }

  private async finishStream(reader: StreamUsageReader, end: StreamEnd): Promise<void> {
    if (reader.readFailure !== undefined) return this.unreadable(reader.readFailure);

    // Before message_start the API had not taken the prompt: a failed attempt, not a call.
    const usage = reader.usage();
    if (!usage) return this.fail({ error: end.error });

    // A reply that did not run to message_stop is recorded with what it had reported so far.
    const partial = end.kind !== "complete" || !reader.stopped || reader.error !== undefined;
    const record = await this.record(usage, reader.toolUses(), partial, reader.id);
    if (record && end.kind === "cut" && isPolicyViolationError(end.error)) {
      this.shared.guard.emit("streamCut", { run: this.run, record, error: end.error });
    }
  }

  private async record(
    usage: Record<string, unknown>,
    toolUses: ToolUse[],
    partial: boolean,
    id?: string,
  ): Promise<CallRecord | undefined> {
    const { guard, estimator } = this.shared;

    try {
      const observed = {
        model: this.call.model,
        usage,
        latencyMs: Math.max(0, guard.clock.now() - this.startedAt),
        startedAt: this.startedAt,
        tags: this.tags,
        toolUses,
        partial,
      };
      const record = await guard.afterCall(this.ticket, recordObserved(observed, guard.pricer));
      this.run.noteEstimate(this.estimate.tokens, promptTokens(record.usage));
      estimator.learn(this.run, this.key, this.call, this.estimate, record.usage, id);
      return record;
    } catch (error) {
      // A run that ended meanwhile, a store that failed: the reservation must not outlive it.
      await guard.cancelCall(this.ticket).catch(() => undefined);
      this.shared.report({ run: this.run, phase: "record", error });
      return undefined;
    }
  }

  private async fail(outcome: { status?: number; error?: unknown }): Promise<void> {
    const { guard } = this.shared;
    await guard.cancelCall(this.ticket).catch(() => undefined);

    const event: AttemptFailedEvent = {
      run: this.run,
      model: this.call.model,
      retry: Number(this.headers.get("x-stainless-retry-count") ?? 0) || 0,
      latencyMs: Math.max(0, guard.clock.now() - this.startedAt),
      ...outcome,
    };
    if (this.tags.step !== undefined) event.step = this.tags.step;
    guard.emit("attemptFailed", event);
  }

  /** A reply the guard cannot read: released and reported, never thrown into the agent. */
  private async unreadable(error: unknown): Promise<void> {
    await this.shared.guard.cancelCall(this.ticket).catch(() => undefined);
    this.shared.report({ run: this.run, phase: "response", error });
  }

  /** Asks the count-tokens endpoint; undefined (and reported) when it cannot answer. */
  private async count(request: APIRequest, next: MiddlewareNext): Promise<number | undefined> {
    // A continued thread sends only its new turns, which the endpoint cannot count alone.
    if (this.call.continues !== undefined) return undefined;

    try {
      const response = await next(countTokensRequest(request, this.call));
      const body = (await response.json()) as { input_tokens?: unknown };
      if (!response.ok || typeof body.input_tokens !== "number") {
        throw new Error(`count_tokens answered HTTP ${response.status}`);
      }
      return body.input_tokens;
    } catch (error) {
      this.shared.report({ run: this.run, phase: "count_tokens", error });
      return undefined;
    }
  }
}
