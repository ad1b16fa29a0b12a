import { z } from "zod";

import { InvalidInputError } from "../errors.js";

export const DEFAULT_COMMAND_TIMEOUT_MS = 250;

const schema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\/\S+$/i, "use a redis:// or rediss:// (TLS) URL")
      .optional(),
    hasClient: z.boolean(),
    keyPrefix: z
      .string()
      .refine((prefix) => !/[{}]/.test(prefix), "braces would break the Redis Cluster hash tag")
      .default(""),
    commandTimeoutMs: z.number().int().positive().default(DEFAULT_COMMAND_TIMEOUT_MS),
    onUnavailable: z.enum(["fail-closed", "fail-open"]).default("fail-closed"),
  })
  .refine((options) => (options.url === undefined) === options.hasClient, {
    message: "give exactly one of url (the store connects) or client (you connect)",
    path: ["url"],
    // Checked even when other fields are wrong, so one error lists every problem.
    when: () => true,
  });

export type ParsedRedisStoreOptions = z.output<typeof schema>;

/**
 * Validates the scalar options, reporting every problem in one error. The URL is checked in a
 * redacted form, so a mistyped URL never puts its password in the error's message.
 */
export function parseRedisStoreOptions(options: {
  url?: string;
  client?: unknown;
  keyPrefix?: string;
  commandTimeoutMs?: number;
  onUnavailable?: string;
}): ParsedRedisStoreOptions {
  const input = {
    url: options.url === undefined ? undefined : redactUrl(options.url),
    hasClient: options.client !== undefined,
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: options.commandTimeoutMs,
    onUnavailable: options.onUnavailable,
  };

  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw InvalidInputError.fromZod("Redis budget store options", parsed.error, input);
  return parsed.data;
}

/**
 * Hides the user and password of a URL, `rediss://***@cache.internal:6380/0`, and a password given
 * as a query parameter. Works on malformed URLs too: everything before the last `@` goes.
 */
export function redactUrl(url: string): string {
  const query = url.replace(/([?&](?:password|pass|auth)=)[^&]*/gi, "$1***");
  const at = query.lastIndexOf("@");
  if (at < 0) return query;

  const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(query)?.[0] ?? "";
  return `${scheme}***${query.slice(at)}`;
}
