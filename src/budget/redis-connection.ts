import { Redis, type RedisOptions } from "ioredis";
import { messageOf } from "../errors.js";

/**
 * Connecting to Redis without ever leaking how: the URL may carry a password (and TLS settings),
 * so every text the store emits passes through a redactor that knows the secrets it must hide.
 */

/** Replaces secrets (and any `user:password@` in a URL-looking text) with `***`. */
export type Redactor = (text: string) => string;

export function redactorFor(url: string | undefined, options?: RedisOptions): Redactor {
  const secrets = new Set<string>();
  if (url) {
    secrets.add(url);
    const parsed = safeUrl(url);
    for (const password of [parsed?.password, parsed?.searchParams.get("password")]) {
      if (!password) continue;
      secrets.add(password);
      secrets.add(safeDecode(password));
    }
  }
  if (options?.password) secrets.add(options.password);

  // Longest first, so a URL is hidden whole rather than around its hidden password.
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of ordered) out = out.split(secret).join("***");
    return out.replace(/(rediss?:\/\/)[^@\s/]*@/gi, "$1***@");
  };
}

/**
 * Opens a client from a `redis://` or `rediss://` URL (TLS for the latter; a password in the
 * URL is sent with AUTH). The settings make a dead Redis fail fast rather than hang a call.
 */
export function connect(url: string, commandTimeoutMs: number, extra?: RedisOptions): Redis {
  return new Redis(url, {
    // The store stops waiting after commandTimeoutMs with its own timer, which still sees a late
    // answer (and releases a late reservation); this far longer limit only frees stuck commands.
    commandTimeout: Math.max(commandTimeoutMs * 10, 5_000),
    // A command cut off by a dropped connection fails rather than replaying unseen on reconnect.
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    // Reconnect quickly after an outage, then every second, forever: the store reconciles on ready.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    ...extra,
  });
}

/** Why a command failed, in words fit for an event or an error message. */
export function failureReason(error: unknown, timeoutMs: number, redact: Redactor): string {
  if (error instanceof CommandTimeout) return `no answer within ${timeoutMs} ms`;

  const message = messageOf(error);
  if (/timed out/i.test(message)) return `no answer within ${timeoutMs} ms`;
  // ioredis gives up on a command queued across a dropped connection in words that point at one
  // of its options, which the store set and the user need not touch: say what happened instead.
  if (/max retries per request/i.test(message)) return "the connection to Redis is down";
  return redact(message);
}

/** Raised by {@link withTimeout}; the store turns it into an outage. */
export class CommandTimeout extends Error {
  override readonly name = "CommandTimeout";
}

/**
 * Waits for `pending` at most `ms`. A clientless timer backs up ioredis's own commandTimeout for a
 * client the caller built without one. A result arriving late goes to `onLate`, so a reservation
 * that did land after its caller gave up can be released instead of held until its lease lapses.
 */
export function withTimeout<T>(
  pending: Promise<T>,
  ms: number,
  onLate?: (value: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;

  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new CommandTimeout(`no answer within ${ms} ms`));
    }, ms);
  });

  pending.then(
    (value) => {
      if (timedOut) onLate?.(value);
    },
    () => undefined,
  );
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
