import { z } from "zod";

import { systemClock, type Clock } from "../clock.js";
import { SafeEmitter } from "../engine/emitter.js";
import type { GuardEvents } from "../engine/events.js";
import { InvalidInputError } from "../errors.js";
import type { Run } from "../run/run.js";
import {
  alertId,
  alertText,
  buildAlert,
  redactSecrets,
  type Alert,
  type AlertKind,
  type AlertSource,
} from "./alert.js";
import { WebhookDeliveryError } from "./errors.js";
import type { GuardEventSource } from "./source.js";

export interface WebhookHookOptions {
  /** The endpoint to POST to (http or https), e.g. a Slack incoming-webhook URL. */
  url: string | URL;
  /** Which events alert. Default both: `["trip", "warning"]`. */
  on?: AlertKind[];
  /** Time allowed for one attempt, in ms, before it is aborted and retried. Default 5000. */
  timeoutMs?: number;
  /** Attempts after the first, on a timeout, a network error, a 5xx, 408 or 429. Default 3. */
  retries?: number;
  /** Wait before the first retry, in ms; each later retry waits twice as long. Default 1000. */
  backoffMs?: number;
  /**
   * Include the tool requests (name and input, which may hold user data) of the run's last call;
   * needs a run that keeps its records. Default false.
   */
  includeContent?: boolean;
  /** Extra headers for your endpoint. agenttrace adds only `content-type`. Default none. */
  headers?: Record<string, string>;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** How to wait between retries. Default: a timer. Tests pass one that returns at once. */
  delay?: (ms: number) => Promise<void>;
  /** Time source for each alert's `at`. Default: the system clock. */
  clock?: Clock;
}

const fn = z.custom<(...args: never[]) => unknown>(
  (v) => typeof v === "function",
  "must be a function",
);
const OptionsSchema = z.looseObject({
  url: z.union([z.string(), z.instanceof(URL)]).refine(isHttpUrl, "must be an http(s) URL"),
  on: z.array(z.enum(["trip", "warning"])).optional(),
  timeoutMs: z.number().int().positive("must be >= 1 ms").optional(),
  retries: z.number().int().min(0).max(10, "must be <= 10").optional(),
  backoffMs: z.number().nonnegative().optional(),
  includeContent: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  fetch: fn.optional(),
  delay: fn.optional(),
});

/** The hook's events, one payload object each. */
export interface WebhookEvents {
  delivered: (event: { alert: Alert; attempts: number; status: number }) => void;
  /** An attempt failed and another follows after `delayMs`. */
  retry: (event: { alert: Alert; error: WebhookDeliveryError; delayMs: number }) => void;
  /** Every attempt failed, or the endpoint refused the alert (a 4xx other than 408 and 429). */
  failed: (event: { alert: Alert; attempts: number; error: WebhookDeliveryError }) => void;
  /** A listener of this hook threw; the delivery went on. */
  listenerError: (event: { event: string; error: unknown }) => void;
}

/**
 * Posts an alert on each trip and warning, once per crossing of a threshold per run, in the
 * background: the listener returns at once and delivery (with its timeout and retries) never
 * blocks or breaks the agent. Outcomes are this hook's events.
 */
export class WebhookHook extends SafeEmitter<WebhookEvents> {
  private readonly url: string;
  private readonly origin: string;
  private readonly options: WebhookHookOptions;
  private readonly sent = new WeakMap<Run, Set<string>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: WebhookHookOptions) {
    super();
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) throw InvalidInputError.fromZod("webhook options", parsed.error, options);

    this.url = String(options.url);
    this.origin = new URL(this.url).origin;
    this.options = options;
  }

  /** Listens to `guard`'s trips and warnings. Returns a function that stops listening. */
  attach(guard: GuardEventSource): () => void {
    const kinds = this.options.on ?? ["trip", "warning"];
    const onTrip: GuardEvents["trip"] = (e) => this.raise({ kind: "trip", ...e });
    const onWarning: GuardEvents["warning"] = (e) => this.raise({ kind: "warning", ...e });

    if (kinds.includes("trip")) guard.on("trip", onTrip);
    if (kinds.includes("warning")) guard.on("warning", onWarning);
    return () => {
      guard.off("trip", onTrip);
      guard.off("warning", onWarning);
    };
  }

  /** Resolves when every alert raised so far has been delivered or has failed. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Alerts in flight (being posted or waiting to retry). */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Starts delivering an alert unless this crossing was already alerted; returns at once. */
  raise(source: AlertSource): void {
    const alert = this.claim(source);
    if (!alert) return;

    // deliver() reports its own failures as events; a throwing injected delay must not escape.
    const delivery = this.deliver(alert)
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private claim(source: AlertSource): Alert | undefined {
    // Checked before the alert is built: in emit mode a trip repeats on every later call.
    const id = alertId(source);
    let sent = this.sent.get(source.run);
    if (!sent) this.sent.set(source.run, (sent = new Set()));
    if (sent.has(id)) return undefined;
    sent.add(id);

    const clock = this.options.clock ?? systemClock;
    return buildAlert(source, clock.now(), this.options.includeContent ?? false);
  }

  private async deliver(alert: Alert): Promise<void> {
    const body = redactSecrets(JSON.stringify({ text: alertText(alert), agenttrace: alert }));
    const retries = this.options.retries ?? 3;
    const backoff = this.options.backoffMs ?? 1000;
    const delay = this.options.delay ?? wait;

    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(body, attempt);
      if (typeof result === "number") {
        this.emit("delivered", { alert, attempts: attempt, status: result });
        return;
      }

      if (!result.retryable || attempt > retries) {
        this.emit("failed", { alert, attempts: attempt, error: result });
        return;
      }
      const delayMs = backoff * 2 ** (attempt - 1);
      this.emit("retry", { alert, error: result, delayMs });
      await delay(delayMs);
    }
  }

  /** One POST: the status on success, the error otherwise. Never throws. */
  private async attempt(body: string, attempt: number): Promise<number | WebhookDeliveryError> {
    const doFetch = this.options.fetch ?? fetch;
    const headers = { ...this.options.headers, "content-type": "application/json" };
    const timeoutMs = this.options.timeoutMs ?? 5000;

    try {
      const response = await doFetch(this.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is not needed; cancelling it frees the connection.
      await response.body?.cancel().catch(() => undefined);

      const status = response.status;
      if (response.ok) return status;
      const retryable = status >= 500 || status === 408 || status === 429;
      return new WebhookDeliveryError({ url: this.origin, attempt, status, retryable });
    } catch (cause) {
      return new WebhookDeliveryError({
        url: this.origin,
        attempt,
        retryable: true,
        timeoutMs,
        cause,
      });
    }
  }
}

function isHttpUrl(value: string | URL): boolean {
  try {
    return ["http:", "https:"].includes(new URL(String(value)).protocol);
  } catch {
    return false;
  }
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
