import { createHash } from "node:crypto";

import type { Clock } from "../clock.js";
import type { CacheTtl } from "./request.js";
import type { PromptUnit } from "./tokens.js";

const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 };

/** The input half of a Messages API `usage` object. */
export interface InputUsage {
  /** Input tokens neither read from nor written to the cache. */
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface Entry {
  ttl: CacheTtl;
  expiresAt: number;
}

/**
 * The mock's prompt cache, per model. It keeps the prefixes that ended at a cache breakpoint of an
 * earlier successful call, and bills a new call the way the API does:
 *
 * - the longest cached prefix that ends at or before the call's last breakpoint is read
 *   (`cache_read_input_tokens`), and reading it restarts its lifetime;
 * - each later breakpoint writes the tokens since the previous cached point at its own TTL
 *   (`cache_creation.ephemeral_5m_input_tokens` or `..._1h_...`);
 * - what follows the last breakpoint is plain `input_tokens`.
 *
 * Unlike the API it looks back over any number of blocks for a hit (the API looks about 20 back),
 * and by default it caches prefixes of any length (the API needs 1,024 to 4,096 tokens, by model).
 */
export class PromptCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** Shortest prefix that a breakpoint writes, in tokens. */
    private readonly minTokens = 0,
  ) {}

  /** Bills one call and writes its breakpoints; call it only for calls that succeed. */
  bill(model: string, units: readonly PromptUnit[]): InputUsage {
    const now = this.clock.now();
    const hashes = prefixHashes(model, units);
    const ends = prefixTotals(units);
    const total = ends.at(-1) ?? 0;
    const breakpoints = units.flatMap((unit, i) => (unit.ttl ? [i] : []));
    const last = breakpoints.at(-1);
    if (last === undefined) return usage(total, 0, 0, 0);

    // The longest live prefix wins; reading it keeps it alive for another lifetime.
    let hit = -1;
    for (let i = last; i >= 0 && hit < 0; i--) {
      if (this.live(hashes[i]!, now)) hit = i;
    }
    const read = hit >= 0 ? ends[hit]! : 0;
    if (hit >= 0) this.touch(hashes[hit]!, now);

    // Each breakpoint past the hit writes the stretch since the last cached point.
    const writes: Record<CacheTtl, number> = { "5m": 0, "1h": 0 };
    let cachedTo = read;
    for (const i of breakpoints) {
      const ttl = units[i]!.ttl!;
      if (i <= hit || ends[i]! < this.minTokens) continue;
      writes[ttl] += ends[i]! - cachedTo;
      cachedTo = ends[i]!;
      this.entries.set(hashes[i]!, { ttl, expiresAt: now + TTL_MS[ttl] });
    }

    return usage(total - cachedTo, read, writes["5m"], writes["1h"]);
  }

  private live(hash: string, now: number): boolean {
    const entry = this.entries.get(hash);
    return entry !== undefined && entry.expiresAt > now;
  }

  private touch(hash: string, now: number): void {
    const entry = this.entries.get(hash)!;
    entry.expiresAt = now + TTL_MS[entry.ttl];
  }
}

function usage(input: number, read: number, write5m: number, write1h: number): InputUsage {
  return {
    input_tokens: input,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
  };
}

// A chained hash: the hash at i names the whole prefix 0..i, so a change anywhere before i (or a
// different model) misses.
function prefixHashes(model: string, units: readonly PromptUnit[]): string[] {
  let previous = createHash("sha256").update(model).digest("hex");
  return units.map((unit) => {
    previous = createHash("sha256").update(previous).update(unit.key).digest("hex");
    return previous;
  });
}

function prefixTotals(units: readonly PromptUnit[]): number[] {
  let sum = 0;
  return units.map((unit) => (sum += unit.tokens));
}
