/**
 * `agenttrace/testing`: a local mock of the Anthropic Messages API with a scripted model, for
 * running agents offline against the real `@anthropic-ai/sdk` client.
 *
 * Known limits: the tokenizer is 4 characters per token per block, not the model's; the cache
 * looks back over any number of blocks and caches any length by default; `max_tokens` does not
 * cut a reply short; only text and tool_use blocks can be scripted.
 */
export { startMockAnthropic, type MockAnthropicServer } from "./server.js";
export { defaultDelay, type Delay, type MockAnthropicOptions } from "./options.js";
export type { MockServerEvents, RecordedRequest } from "./handler.js";
export {
  apiError,
  failFirst,
  isScriptedFailure,
  overloaded,
  rateLimited,
  serverError,
  text,
  toolUse,
  toResponder,
  type Responder,
  type Script,
  type ScriptedBlock,
  type ScriptedCall,
  type ScriptedFailure,
  type ScriptedReply,
  type ScriptedText,
  type ScriptedToolUse,
  type ScriptedTurn,
  type StopReason,
} from "./script.js";
export { ScriptExhaustedError, isScriptExhaustedError } from "./errors.js";
export { CHARS_PER_TOKEN, IMAGE_TOKENS, countTextTokens } from "./tokens.js";
export type {
  CacheControl,
  CacheTtl,
  MessagesRequest,
  RequestBlock,
  RequestMessage,
  RequestTool,
} from "./request.js";
export type { MockMessage, MockUsage, ReplyContent } from "./render.js";
