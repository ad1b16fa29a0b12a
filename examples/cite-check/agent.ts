// A three-step research agent on the official SDK: search, summarize, cite-check. The cite check
// is a tool loop over `fetch_source`, written two ways: the buggy one of the incident, which
// re-attaches everything gathered so far on every tool turn, and the fixed one, which sends the
// task once and a sliding window of the latest tool turns.
import type Anthropic from "@anthropic-ai/sdk";

import { withStep } from "../../src/engine/context.js";
import { fetchPage, QUESTION, searchResults } from "./corpus.js";
import {
  checkMaterial,
  CITE_SYSTEM,
  FETCH_SOURCE,
  SEARCH_SYSTEM,
  SUMMARY_SYSTEM,
  WEB_SEARCH,
} from "./prompts.js";

export type CiteCheckMode = "buggy" | "fixed";

export interface AgentModels {
  search: string;
  summarize: string;
  citeCheck: string;
}

/** The models of the incident: a cheap one for search and summary, a strong one to check. */
export const INCIDENT_MODELS: AgentModels = {
  search: "claude-haiku-4-5",
  summarize: "claude-haiku-4-5",
  citeCheck: "claude-opus-4-7",
};

export interface AgentOptions {
  mode: CiteCheckMode;
  models?: AgentModels;
  /** Tool turns the cite check may take before the agent gives up on its own. Default 12. */
  maxToolTurns?: number;
  /** Tool turns the fixed cite check keeps in its window. Default 2. */
  window?: number;
}

export interface AgentResult {
  summary: string;
  verdict: string;
  /** Tool turns the cite check took. */
  toolTurns: number;
}

/** Runs the three steps; each model call is tagged with its step for the guard. */
export async function runCiteCheckAgent(
  client: Anthropic,
  options: AgentOptions,
): Promise<AgentResult> {
  const models = options.models ?? INCIDENT_MODELS;

  const results = await withStep("search", () => search(client, models.search));
  const summary = await withStep("summarize", () => summarize(client, models.summarize, results));
  const check = await withStep("cite_check", () =>
    citeCheck(client, models.citeCheck, checkMaterial(results, summary), options),
  );
  return { summary, ...check };
}

async function search(client: Anthropic, model: string): Promise<string> {
  const reply = await client.messages.create({
    model,
    max_tokens: 512,
    system: SEARCH_SYSTEM,
    tools: [WEB_SEARCH],
    tool_choice: { type: "tool", name: "web_search" },
    messages: [{ role: "user", content: QUESTION }],
  });

  const call = reply.content.find((block) => block.type === "tool_use");
  const query = (call?.input as { query?: unknown } | undefined)?.query;
  return searchResults(typeof query === "string" ? query : QUESTION);
}

async function summarize(client: Anthropic, model: string, results: string): Promise<string> {
  const reply = await client.messages.create({
    model,
    max_tokens: 600,
    system: SUMMARY_SYSTEM,
    messages: [{ role: "user", content: `${results}\n\nQuestion: ${QUESTION}` }],
  });
  return textOf(reply);
}

async function citeCheck(
  client: Anthropic,
  model: string,
  material: string,
  options: AgentOptions,
): Promise<{ verdict: string; toolTurns: number }> {
  const task: Anthropic.MessageParam = { role: "user", content: material };
  const turns: Anthropic.MessageParam[] = [];
  const maxTurns = options.maxToolTurns ?? 12;

  for (let toolTurns = 0; toolTurns <= maxTurns; toolTurns++) {
    const reply = await client.messages.create({
      model,
      max_tokens: 1024,
      system: CITE_SYSTEM,
      tools: [FETCH_SOURCE],
      messages: [task, ...turns],
    });
    if (reply.stop_reason !== "tool_use") return { verdict: textOf(reply), toolTurns };

    const results = reply.content.flatMap((block): Anthropic.ToolResultBlockParam[] =>
      block.type === "tool_use"
        ? [{ type: "tool_result", tool_use_id: block.id, content: fetchPage(idOf(block.input)) }]
        : [],
    );
    const assistant: Anthropic.MessageParam = { role: "assistant", content: reply.content };

    if (options.mode === "buggy") {
      // The bug: every tool turn re-attaches what the agent has gathered so far (the search
      // results and the summary) after the tool's result, so each call carries everything the
      // previous one did and more. Input grows by the same amount every turn: O(n^2) in total.
      const again: Anthropic.TextBlockParam = { type: "text", text: material };
      turns.push(assistant, { role: "user", content: [...results, again] });
    } else {
      // The fix: the task is sent once, then only the latest tool turns (a sliding window).
      turns.push(assistant, { role: "user", content: results });
      turns.splice(0, Math.max(0, turns.length - 2 * (options.window ?? 2)));
    }
  }
  return { verdict: "gave up: too many tool turns", toolTurns: maxTurns };
}

function textOf(message: Anthropic.Message): string {
  return message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
}

function idOf(input: unknown): number {
  const id = (input as { id?: unknown } | null)?.id;
  return typeof id === "number" ? id : Number(id);
}
