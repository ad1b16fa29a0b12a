// The demo agent's prompts and tools, shared by the agent and the scripted model that plays it.
import type Anthropic from "@anthropic-ai/sdk";

/** Heads the summary wherever the agent sends it, so a reader (or the model) can find it. */
export const SUMMARY_HEADING = "## Summary to check";
export const RESULTS_HEADING = "## Search results";

export const SEARCH_SYSTEM = [
  "You are the search step of a research agent that answers questions about the history of",
  "public health. Turn the user's question into one web search query.",
  "Prefer queries that will find primary accounts, figures and dates over general overviews.",
  "Name the people, places and years in the question. Do not answer the question yourself: a",
  "later step reads the results and writes the answer, and another checks its citations.",
].join(" ");

export const SUMMARY_SYSTEM = [
  "You are the summary step of a research agent. Answer the question from the search results",
  "alone, in one paragraph of at most 150 words. Cite every factual claim with the number of the",
  "result it comes from, in square brackets, e.g. [2]. Do not cite a result for a claim it does",
  "not make, and do not use knowledge that is not in the results.",
].join(" ");

export const CITE_SYSTEM = [
  "You are the citation checker of a research agent. You are given search results and a",
  "summary written from them. For each citation in the summary, fetch the cited page with the",
  "fetch_source tool and check that the page states what the summary attributes to it: the",
  "figures, the dates and the names. Fetch each cited page once. When every citation has been",
  "checked, reply with your verdict on each citation and stop.",
].join(" ");

export const WEB_SEARCH: Anthropic.Tool = {
  name: "web_search",
  description: "Search the web. Returns the matching pages' titles, URLs and extracted text.",
  input_schema: {
    type: "object",
    properties: { query: { type: "string", description: "The search query." } },
    required: ["query"],
  },
};

export const FETCH_SOURCE: Anthropic.Tool = {
  name: "fetch_source",
  description: "Fetch the page of a search result by its number, as the site serves it.",
  input_schema: {
    type: "object",
    properties: { id: { type: "integer", description: "The result's number, e.g. 2 for [2]." } },
    required: ["id"],
  },
};

/** The material the cite check works from: the search results and the summary. */
export function checkMaterial(results: string, summary: string): string {
  return `${RESULTS_HEADING}\n\n${results}\n\n${SUMMARY_HEADING}\n\n${summary}`;
}
