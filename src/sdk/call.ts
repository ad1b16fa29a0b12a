import type { MiddlewareContext, MiddlewareNext } from "@anthropic-ai/sdk";
import type { APIRequest } from "@anthropic-ai/sdk/core/api";

import type { CallContext } from "../engine/context.js";
import { isPolicyViolationError } from "../engine/errors.js";
import type { MiddlewareErrorEvent } from "../engine/events.js";
import type { Guard, Ticket } from "../engine/guard.js";
import { moneyToUsd } from "../money.js";
import type { CallInput, CallRecord, ToolUse } from "../record/record.js";
import { promptTokens, type Usage } from "../record/usage.js";
import type { Run } from "../run/run.js";
import type { PromptEstimate, PromptEstimator } from "./estimate.js";
import { StreamBudget } from "./limits.js";
import { countTokensRequest, withMaxTokens, type MessagesCall } from "./request.js";
import { readReply } from "./response.js";
import { StreamUsageReader, tapStream, type StreamEnd } from "./stream.js";
import { affordableOutputTokens, callTags } from "./wind-down.js";

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
  private readonly retry: number;
  private estimate!: PromptEstimate;
  private ticket!: Ticket;
  private startedAt = 0;

  constructor(
    private readonly shared: Shared,
    context: CallContext,
    private readonly call: MessagesCall,
    request: APIRequest,
  ) {
    this.run = context.run;
    this.tags = callTags(context);
    this.key = `${context.step ?? ""}\u0000${call.model}`;
    this.retry = Number(request.headers.get("x-stainless-retry-count") ?? 0) || 0;
  }

  /**
   * Estimates the prompt, winds the request down if asked, and asks the engine. Throws the
   * engine's typed error when the call is refused: the request then never reaches the network.
   */
  async admit(request: APIRequest, ctx: MiddlewareContext, next: MiddlewareNext) {
    const { guard, estimator } = this.shared;
    const counted = this.shared.countTokens ? await this.count(request, next) : undefined;
    this.estimate = estimator.estimate(this.run, this.call, counted);
    let usage = estimator.projectedUsage(this.run, this.key, this.call, this.estimate.tokens);

    const lowered = await this.windDown(usage);
    if (lowered !== undefined) {
      usage = { ...usage, outputTokens: lowered };
      request = withMaxTokens(request, ctx, lowered);
    }

    const planned = { model: this.call.model, tags: this.tags, usage };
    this.ticket = await guard.beforeCall(this.run, planned);
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

  /**
   * Records a JSON reply as the client reads it, from the object the client parses: the guard
   * reads nothing twice. (`ctx.parse` would tee the body into a second web stream, which costs
   * more on Node 20 than everything else the guard does for a call.) The record is in before
   * the client's `json()` resolves, so the agent never runs ahead of its own accounting.
   */
  private observe(response: Response): Response {
    const json = response.json.bind(response);
    const text = response.text.bind(response);
    let settled: Promise<void> | undefined;
    const settle = (read: () => unknown) => (settled ??= this.recordReply(read));

    const arrayBuffer = response.arrayBuffer.bind(response);

    // The SDK reads JSON replies with json(); text() and arrayBuffer() cover middleware that
    // reads a reply to replace it. A body read as a raw stream is not recorded (see the docs).
    Object.defineProperties(response, {
      json: {
        value: async () => {
          const body: unknown = await json();
          await settle(() => body);
          return body;
        },
      },
      text: {
        value: async () => {
          const body = await text();
          await settle(() => JSON.parse(body));
          return body;
        },
      },
      arrayBuffer: {
        value: async () => {
          const body = await arrayBuffer();
          await settle(() => JSON.parse(new TextDecoder().decode(body)));
          return body;
        },
      },
    });
    return response;
  }

  private async recordReply(read: () => unknown): Promise<void> {
    try {
      const reply = readReply(read());
      await this.record(reply.usage, reply.toolUses, false, reply.id);
    } catch (error) {
      await this.unreadable(error);
    }
  }

  private async tap(response: Response): Promise<Response> {
    const meter = this.shared.cutStreams ? await this.meter() : undefined;
    const reader = new StreamUsageReader();
    const body = tapStream(response.body!, reader, {
      check: (r) => (this.shared.cutStreams ? this.cut(r, meter) : undefined),
      finish: (r, end) => this.finishStream(r, end),
    });
    return new Response(body, response);
  }

  /** The error to cut a stream off with: its run was stopped, or it would break its budget. */
  private cut(reader: StreamUsageReader, meter: StreamBudget | undefined): Error | undefined {
    const { guard } = this.shared;
    const trip = guard.tripOf(this.run);
    if (trip && guard.enforcing) return trip;
    if (!meter || !reader.started) return undefined;

    const verdict = meter.check(reader.usage()!, this.tags.step);
    if (!verdict) return undefined;
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
    const input: CallInput = {
      model: this.call.model,
      usage,
      latencyMs: Math.max(0, guard.clock.now() - this.startedAt),
      startedAt: this.startedAt,
      tags: this.tags,
      toolUses: toolUses.map((use) => ({ name: use.name, input: use.input })),
    };
    if (partial) input.partial = true;

    try {
      const record = await guard.afterCall(this.ticket, input);
      this.run.noteEstimate(this.estimate.tokens, promptTokens(record.usage));
      estimator.learn(this.run, this.key, this.call, this.estimate, record.usage, id);
      return record;
    } catch (error) {
      this.shared.report({ run: this.run, phase: "record", error });
      return undefined;
    }
  }

  private async fail(outcome: { status?: number; error?: unknown }): Promise<void> {
    const { guard } = this.shared;
    await guard.cancelCall(this.ticket).catch(() => undefined);

    const event = {
      run: this.run,
      model: this.call.model,
      retry: this.retry,
      latencyMs: Math.max(0, guard.clock.now() - this.startedAt),
      ...outcome,
    };
    if (this.tags.step !== undefined) Object.assign(event, { step: this.tags.step });
    guard.emit("attemptFailed", event);
  }

  /** A reply the guard cannot read: released and reported, never thrown into the agent. */
  private async unreadable(error: unknown): Promise<void> {
    await this.shared.guard.cancelCall(this.ticket).catch(() => undefined);
    this.shared.report({ run: this.run, phase: "response", error });
  }

  /** A meter for a stream: undefined when no dollar budget holds a reservation for the call. */
  private async meter(): Promise<StreamBudget | undefined> {
    const { guard } = this.shared;
    const reserved = this.ticket.projected;
    if (this.ticket.held.length === 0 || reserved === null) return undefined;

    const budget = await guard.remainingBudget(this.run, this.tags);
    if (!budget) return undefined;
    const allowance = budget.remaining + reserved;
    return new StreamBudget(guard.pricer, this.call.model, this.startedAt, allowance, budget, reserved);
  }

  /** The `max_tokens` the remaining budget can pay for, when it is below the request's own. */
  private async windDown(usage: Usage): Promise<number | undefined> {
    const { guard, windDownMin: min } = this.shared;
    if (min === undefined) return undefined;

    const budget = await guard.remainingBudget(this.run, this.tags);
    if (!budget) return undefined;
    const { model, maxTokens } = this.call;
    const at = guard.clock.now();
    const affordable = affordableOutputTokens(guard.pricer, model, usage, budget.remaining, at);
    if (affordable === undefined || affordable >= maxTokens || affordable < min) return undefined;

    const event = {
      run: this.run,
      model,
      requested: maxTokens,
      allowed: affordable,
      remainingUsd: moneyToUsd(budget.remaining),
    };
    if (this.tags.step !== undefined) Object.assign(event, { step: this.tags.step });
    guard.emit("windDown", event);
    return affordable;
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
