import type { Pricer } from "../pricing/types.js";
import { createRecord, type CallRecord, type ToolUse } from "../record/record.js";

/** What a transcript line may hold: all optional, as Claude Code varies by version. */
interface TranscriptLine {
  type?: string;
  sessionId?: string;
  requestId?: string;
  timestamp?: string;
  isSidechain?: boolean;
  message?: {
    id?: string;
    model?: string;
    content?: unknown;
    usage?: Record<string, unknown>;
  };
}

/** True when a parsed line looks like a Claude Code transcript line rather than a call line. */
export function isTranscriptLine(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const line = value as TranscriptLine;
  // Every transcript line has a `type` (user, assistant, system, file-history-snapshot…); a call
  // line has a `run` instead.
  return typeof line.type === "string" && !("run" in line);
}

interface PendingRequest {
  key: string;
  line: number;
  model: string;
  usage: Record<string, unknown>;
  toolUses: ToolUse[];
  sidechain: boolean;
  /** When the request was sent: the last non-assistant line before its first content block. */
  sentAt: number | undefined;
  lastAt: number | undefined;
}

/**
 * Collects the API requests of a Claude Code session transcript (`~/.claude/projects/*.jsonl`).
 * Claude Code writes one line per content block, so one request spans several lines sharing
 * `requestId` (or `message.id`); early lines carry partial `output_tokens`. Each request is
 * counted once, with the usage of its last line.
 */
export class TranscriptCollector {
  private readonly pending = new Map<string, PendingRequest>();
  private lastPromptAt: number | undefined;
  session: string | undefined;

  add(value: unknown, line: number): void {
    const entry = value as TranscriptLine;
    // A bad timestamp only costs the request its latency, never its record.
    const parsed = entry.timestamp ? Date.parse(entry.timestamp) : Number.NaN;
    const at = Number.isFinite(parsed) ? parsed : undefined;
    this.session ??= entry.sessionId;

    if (entry.type !== "assistant" || !entry.message?.usage) {
      if (entry.type === "user" && at !== undefined) this.lastPromptAt = at;
      return;
    }

    // Synthetic messages (errors Claude Code makes up locally) were never billed.
    const model = entry.message.model ?? "";
    if (model === "<synthetic>") return;

    const key = entry.requestId ?? entry.message.id ?? `line-${line}`;
    let request = this.pending.get(key);
    if (!request) {
      request = {
        key,
        line,
        model,
        usage: entry.message.usage,
        toolUses: [],
        sidechain: entry.isSidechain === true,
        sentAt: this.lastPromptAt ?? at,
        lastAt: at,
      };
      this.pending.set(key, request);
    }

    request.usage = entry.message.usage;
    if (at !== undefined) request.lastAt = at;
    request.toolUses.push(...toolUses(entry.message.content));
  }

  /**
   * The requests as call records, with the line each began on. A request whose usage does not
   * validate is returned as an error for that line; the others are still read.
   */
  records(pricer: Pricer): ({ line: number } & ({ record: CallRecord } | { error: unknown }))[] {
    return [...this.pending.values()].map((request) => {
      try {
        return { line: request.line, record: this.toRecord(request, pricer) };
      } catch (error) {
        return { line: request.line, error };
      }
    });
  }

  private toRecord(request: PendingRequest, pricer: Pricer): CallRecord {
    const sent = request.sentAt ?? request.lastAt ?? 0;
    return createRecord(
      {
        model: request.model,
        usage: request.usage,
        latencyMs: Math.max(0, (request.lastAt ?? sent) - sent),
        startedAt: request.sentAt,
        tags: { agent: request.sidechain ? "subagent" : "main" },
        toolUses: request.toolUses,
      },
      pricer,
      `Claude Code request ${request.key}`,
    );
  }
}

function toolUses(content: unknown): ToolUse[] {
  if (!Array.isArray(content)) return [];
  return content
    .filter((block) => block?.type === "tool_use" && typeof block.name === "string")
    .map((block) => ({ name: block.name as string, input: block.input }));
}
