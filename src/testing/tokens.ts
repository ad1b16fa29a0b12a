import { CHARS_PER_TOKEN, IMAGE_TOKENS } from "../sdk/estimate.js";
import { MockApiError } from "./errors.js";
import type { CacheControl, CacheTtl, PromptRequest, RequestBlock } from "./request.js";

/**
 * The mock's tokenizer: a block costs one token per 4 characters of its text, rounded up per
 * block, and an image a fixed count: the middleware's own local estimate, so an uncalibrated
 * estimate of a mock request is exact. Real tokenizers differ by model; this one is
 * deterministic, cheap, and grows with what a request sends, which is what a test of cost
 * accounting needs.
 */
export { CHARS_PER_TOKEN, IMAGE_TOKENS };

/** The API refuses a request with more cache breakpoints than this. */
export const MAX_CACHE_BREAKPOINTS = 4;

export function countTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * What one block costs: the text of a text block, `name` plus the JSON `input` of a tool call, the
 * content of a tool result, a fixed {@link IMAGE_TOKENS} for an image, and the JSON of anything
 * else (documents, server tool blocks), always without its `cache_control`.
 */
export function blockTokens(block: RequestBlock): number {
  switch (block.type) {
    case "text":
      return countTextTokens(String(block.text ?? ""));
    case "tool_use":
    case "server_tool_use":
      return countTextTokens(String(block.name ?? "") + JSON.stringify(block.input ?? {}));
    case "tool_result":
      return contentTokens(block.content);
    case "thinking":
      return countTextTokens(String(block.thinking ?? ""));
    case "image":
      return IMAGE_TOKENS;
    default:
      return countTextTokens(JSON.stringify(withoutCacheControl(block)));
  }
}

function contentTokens(content: unknown): number {
  if (typeof content === "string") return countTextTokens(content);
  if (!Array.isArray(content)) return 0;
  return content.reduce((sum: number, part: RequestBlock) => sum + blockTokens(part), 0);
}

/** Output tokens of a reply: its blocks counted as input blocks are, and never less than 1. */
export function countOutputTokens(content: readonly RequestBlock[]): number {
  return Math.max(1, contentTokens(content));
}

/** One cacheable piece of a prompt. */
export interface PromptUnit {
  /** What the piece is, without its `cache_control`; equal keys in equal order mean a cache hit. */
  key: string;
  tokens: number;
  /** Set when the piece ends a cache breakpoint. */
  ttl?: CacheTtl;
}

/**
 * Splits a request into the pieces the API caches, in its cache order: tools, then system, then
 * each message's blocks. A top-level `cache_control` (automatic caching) puts a breakpoint on the
 * last piece. Answers 400 for more than {@link MAX_CACHE_BREAKPOINTS} breakpoints, as the API does.
 */
export function promptUnits(body: PromptRequest): PromptUnit[] {
  const units: PromptUnit[] = [];
  const add = (kind: string, piece: { cache_control?: CacheControl | null }, tokens: number) => {
    const unit: PromptUnit = { key: JSON.stringify([kind, withoutCacheControl(piece)]), tokens };
    if (piece.cache_control) unit.ttl = piece.cache_control.ttl ?? "5m";
    units.push(unit);
  };

  for (const tool of body.tools ?? []) {
    add("tool", tool, countTextTokens(JSON.stringify(withoutCacheControl(tool))));
  }

  const system = typeof body.system === "string" ? [textBlock(body.system)] : (body.system ?? []);
  for (const block of system) add("system", block, blockTokens(block));

  // The role and the start of each message are part of the key: the same blocks split
  // differently between turns are a different prompt.
  for (const message of body.messages) {
    const blocks =
      typeof message.content === "string" ? [textBlock(message.content)] : message.content;
    blocks.forEach((block, i) =>
      add(i === 0 ? `${message.role}:start` : message.role, block, blockTokens(block)),
    );
  }

  const last = units.at(-1);
  if (body.cache_control && last) last.ttl = body.cache_control.ttl ?? "5m";

  const breakpoints = units.filter((unit) => unit.ttl !== undefined).length;
  if (breakpoints > MAX_CACHE_BREAKPOINTS) {
    throw new MockApiError(
      400,
      "invalid_request_error",
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. ` +
        `Found ${breakpoints}.`,
    );
  }
  return units;
}

/** Every input token a request sends, cached or not: what `count_tokens` answers. */
export function totalTokens(units: readonly PromptUnit[]): number {
  return units.reduce((sum, unit) => sum + unit.tokens, 0);
}

function textBlock(text: string): RequestBlock {
  return { type: "text", text };
}

function withoutCacheControl(value: object): object {
  const { cache_control: _ignored, ...rest } = value as { cache_control?: unknown };
  return rest;
}
