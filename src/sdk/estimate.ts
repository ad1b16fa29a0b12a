import { EMPTY_USAGE, promptTokens, type Usage } from "../record/usage.js";
import type { Run } from "../run/run.js";
import type { MessagesCall } from "./request.js";

/** Characters per token of the local estimate, before calibration: English prose runs near 4. */
export const CHARS_PER_TOKEN = 4;
/** An image's tokens when its size is unknown: about a 1092x1092 picture. */
export const IMAGE_TOKENS = 1_600;
/** A calibration ratio outside this band is noise (a tiny prompt, a cache-only call): ignored. */
const RATIO_BOUNDS = [0.25, 4] as const;
/** Thread sizes kept for estimating continued threads; the oldest go first. */
const MAX_THREADS = 10_000;

/** A prompt estimate for one call, and what it was made of, so the result can calibrate it. */
export interface PromptEstimate {
  /** The estimate handed to the policies: calibrated local count plus any known thread history. */
  tokens: number;
  /** The uncalibrated local count of what the request itself sends. */
  local: number;
  /** Tokens known exactly before the call: a continued thread's history. */
  known: number;
  /** `local` (calibrated) or `count_tokens` (asked of the API: exact). */
  source: "local" | "count_tokens";
}

interface Calibration {
  local: number;
  actual: number;
}

interface LastCall {
  prompt: number;
  cached: boolean;
}

/**
 * Estimates a request's prompt before it is sent. The local count is characters over four,
 * block by block, which is cheap and roughly right for prose; each run calibrates it per model by
 * the ratio of the prompts the API reported to the counts made for them, so after a call or two
 * the estimate follows the model's real tokenizer.
 */
export class PromptEstimator {
  private readonly calibrations = new WeakMap<Run, Map<string, Calibration>>();
  private readonly lastCalls = new WeakMap<Run, Map<string, LastCall>>();
  private readonly threads = new Map<string, number>();

  /** The estimate for a call, from the local count (or an exact count when one is given). */
  estimate(run: Run, call: MessagesCall, counted?: number): PromptEstimate {
    const local = localPromptTokens(call.body);
    const known = call.continues === undefined ? 0 : (this.threads.get(call.continues) ?? 0);
    if (counted !== undefined) {
      return { tokens: known + counted, local, known, source: "count_tokens" };
    }

    const tokens = known + Math.round(local * this.ratio(run, call.model));
    return { tokens, local, known, source: "local" };
  }

  /**
   * Splits an estimate into what will likely be read from cache and what will be sent fresh, the
   * way the API will bill it. After a call of the same run, step and model that used the cache,
   * that call's prompt is likely read back; the rest is written when the request sets
   * breakpoints, and is plain input otherwise. Without the split a healthy cached session would
   * look like a prompt growing at full price.
   */
  projectedUsage(run: Run, key: string, call: MessagesCall, tokens: number): Usage {
    const last = this.lastCalls.get(run)?.get(key);
    const read = call.cacheTtl && last?.cached ? Math.min(last.prompt, tokens) : 0;
    const fresh = tokens - read;

    const usage: Usage = { ...EMPTY_USAGE, cacheReadTokens: read, outputTokens: call.maxTokens };
    if (call.cacheTtl === "1h") usage.cacheWrite1hTokens = fresh;
    else if (call.cacheTtl === "5m") usage.cacheWrite5mTokens = fresh;
    else usage.inputTokens = fresh;
    return usage;
  }

  /** Learns from a completed call: the calibration, the cache state, the thread's size. */
  learn(
    run: Run,
    key: string,
    call: MessagesCall,
    estimate: PromptEstimate,
    actual: Usage,
    id?: string,
  ): void {
    const prompt = promptTokens(actual);
    const cached = prompt > actual.inputTokens;

    let last = this.lastCalls.get(run);
    if (!last) this.lastCalls.set(run, (last = new Map()));
    last.set(key, { prompt, cached });

    // Only the locally counted part calibrates: a thread's known history is exact already.
    const own = prompt - estimate.known;
    if (estimate.source === "local" && estimate.local > 0 && own > 0) {
      const ratio = own / estimate.local;
      if (ratio >= RATIO_BOUNDS[0] && ratio <= RATIO_BOUNDS[1]) {
        const entry = this.calibration(run, call.model);
        entry.local += estimate.local;
        entry.actual += own;
      }
    }

    // A threaded reply is the history the next turn of its thread continues from.
    if (call.threaded && id !== undefined) {
      if (this.threads.size >= MAX_THREADS) this.threads.delete(this.threads.keys().next().value!);
      this.threads.set(id, prompt + actual.outputTokens);
    }
  }

  private ratio(run: Run, model: string): number {
    const entry = this.calibrations.get(run)?.get(model);
    return entry && entry.local > 0 ? entry.actual / entry.local : 1;
  }

  private calibration(run: Run, model: string): Calibration {
    let byModel = this.calibrations.get(run);
    if (!byModel) this.calibrations.set(run, (byModel = new Map()));
    let entry = byModel.get(model);
    if (!entry) byModel.set(model, (entry = { local: 0, actual: 0 }));
    return entry;
  }
}

/**
 * A cheap local count of a request's prompt: characters over four for the text of every tool
 * definition, system block and message block (tool calls by their name and JSON input, tool
 * results by their content), and a fixed count per image.
 */
export function localPromptTokens(body: Readonly<Record<string, unknown>>): number {
  let tokens = 0;
  for (const tool of asArray(body.tools)) tokens += chars(JSON.stringify(withoutMarker(tool)));

  const system = body.system;
  if (typeof system === "string") tokens += chars(system);
  else for (const block of asArray(system)) tokens += blockTokens(block);

  for (const message of asArray(body.messages)) {
    const content = (message as { content?: unknown }).content;
    if (typeof content === "string") tokens += chars(content);
    else for (const block of asArray(content)) tokens += blockTokens(block);
  }
  return tokens;
}

function blockTokens(block: unknown): number {
  if (typeof block !== "object" || block === null) return 0;
  const b = block as Record<string, unknown>;

  switch (b.type) {
    case "text":
      return chars(String(b.text ?? ""));
    case "tool_use":
    case "server_tool_use":
      return chars(String(b.name ?? "") + JSON.stringify(b.input ?? {}));
    case "tool_result":
      if (typeof b.content === "string") return chars(b.content);
      return asArray(b.content).reduce<number>((sum, part) => sum + blockTokens(part), 0);
    case "thinking":
      return chars(String(b.thinking ?? ""));
    case "image":
      return IMAGE_TOKENS;
    default:
      // Documents, search results, server tool results: their JSON, without the cache marker.
      return chars(JSON.stringify(withoutMarker(b)));
  }
}

function withoutMarker(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("cache_control" in value)) return value;
  const { cache_control: _marker, ...rest } = value as Record<string, unknown>;
  return rest;
}

function chars(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
