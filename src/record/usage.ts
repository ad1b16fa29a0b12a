import { z } from "zod";

const tokenCount = z
  .number()
  .int("must be a whole number of tokens, at most 2^53 - 1")
  .nonnegative("must be >= 0");

/**
 * The Messages API `usage` object as the API returns it. Fields the API adds later are kept
 * (`looseObject`), so a newer response never fails validation.
 */
const usageFields = {
  input_tokens: tokenCount.default(0),
  output_tokens: tokenCount.default(0),
  cache_creation_input_tokens: tokenCount.nullish(),
  cache_read_input_tokens: tokenCount.nullish(),
  cache_creation: z
    .looseObject({
      ephemeral_5m_input_tokens: tokenCount.nullish(),
      ephemeral_1h_input_tokens: tokenCount.nullish(),
    })
    .nullish(),
  server_tool_use: z
    .looseObject({
      web_search_requests: tokenCount.nullish(),
      web_fetch_requests: tokenCount.nullish(),
    })
    .nullish(),
  service_tier: z.string().nullish(),
  speed: z.string().nullish(),
  inference_geo: z.string().nullish(),
};

const iterationSchema = z.looseObject(usageFields);

export const ApiUsageSchema = z.looseObject({
  ...usageFields,
  // Compaction responses bill every sampling iteration; the top-level fields hold the last one.
  iterations: z.array(iterationSchema).nullish(),
});

export type ApiUsage = z.input<typeof ApiUsageSchema>;

/** Token usage of one call, in the API's own meanings, with every count present. */
export interface Usage {
  /** Uncached input tokens: the API's `input_tokens`, which excludes cache reads and writes. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Cache writes with the 5-minute lifetime (and all writes of logs with no TTL breakdown). */
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  webSearchRequests: number;
  webFetchRequests: number;
  /** `standard`, `priority` or `batch`; batch halves every token rate. */
  serviceTier?: string;
  /** `standard` or `fast`; fast mode multiplies token rates on the models that offer it. */
  speed?: string;
  /** Where inference ran: `us` costs more on some models, `global` does not. */
  inferenceGeo?: string;
}

export const EMPTY_USAGE: Readonly<Usage> = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  webSearchRequests: 0,
  webFetchRequests: 0,
});

/** The prompt-side counts of a usage, or of a sum of usages. */
export type PromptCounts = Pick<
  Usage,
  "inputTokens" | "cacheReadTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens"
>;

/** The whole prompt sent: uncached input plus every cached token read or written. */
export function promptTokens(usage: PromptCounts): number {
  return (
    usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens
  );
}

/** Turns a validated API usage object into a `Usage`. */
export function normalizeUsage(raw: z.output<typeof ApiUsageSchema>): Usage {
  const parts = raw.iterations && raw.iterations.length > 0 ? raw.iterations : [raw];
  const usage: Usage = { ...EMPTY_USAGE };

  for (const part of parts) {
    const writes = part.cache_creation_input_tokens ?? 0;
    const breakdown = part.cache_creation;
    const write1h = breakdown?.ephemeral_1h_input_tokens ?? 0;
    // Older logs carry no TTL breakdown (or a partial one): writes it does not place were
    // 5-minute writes, the only kind there was.
    const write5m = breakdown?.ephemeral_5m_input_tokens ?? Math.max(0, writes - write1h);

    usage.inputTokens += part.input_tokens;
    usage.outputTokens += part.output_tokens;
    usage.cacheReadTokens += part.cache_read_input_tokens ?? 0;
    usage.cacheWrite5mTokens += write5m;
    usage.cacheWrite1hTokens += write1h;
  }

  usage.webSearchRequests = raw.server_tool_use?.web_search_requests ?? 0;
  usage.webFetchRequests = raw.server_tool_use?.web_fetch_requests ?? 0;
  if (raw.service_tier) usage.serviceTier = raw.service_tier;
  if (raw.speed) usage.speed = raw.speed;
  if (raw.inference_geo) usage.inferenceGeo = raw.inference_geo;
  return usage;
}

/** Writes a `Usage` back in the API's field names, as the call-line format stores it. */
export function toApiUsage(usage: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
  };
  if (usage.webSearchRequests || usage.webFetchRequests) {
    out.server_tool_use = {
      web_search_requests: usage.webSearchRequests,
      web_fetch_requests: usage.webFetchRequests,
    };
  }
  if (usage.serviceTier) out.service_tier = usage.serviceTier;
  if (usage.speed) out.speed = usage.speed;
  if (usage.inferenceGeo) out.inference_geo = usage.inferenceGeo;
  return out;
}
