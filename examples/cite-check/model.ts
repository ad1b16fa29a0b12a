// The scripted model behind the offline demo: it plays the three steps the way the model in the
// incident did. Its behaviour depends only on what each request sends, so the buggy agent's
// re-attached history is what makes it loop, exactly as in the story.
import type { Responder, ScriptedReply, ScriptedTurn } from "../../src/testing/index.js";
import { text, toolUse } from "../../src/testing/index.js";
import type { MessagesRequest, RequestBlock } from "../../src/testing/index.js";
import { QUESTION, SOURCES } from "./corpus.js";
import { SUMMARY_HEADING } from "./prompts.js";

/** The sources the summary cites, which the cite check fetches. */
const CITED = [1, 2];
/** Fetches the confused model makes before it gives up and answers. */
const CONFUSED_FETCHES = 8;

/** Answers each call of the demo agent; see the file comment. */
export const citeCheckModel: Responder = ({ body }): ScriptedTurn => {
  const tools = (body.tools ?? []).map((tool) => tool.name);
  if (tools.includes("web_search")) return search();
  if (tools.includes("fetch_source")) return citeCheck(body);
  return summarize();
};

function search(): ScriptedReply {
  const plan =
    "I will search for accounts of the 1854 Broad Street outbreak, for Snow's own report of " +
    "it, and for the reception of his theory, preferring sources that give figures.";
  return { content: [text(plan), toolUse("web_search", { query: QUESTION })] };
}

function summarize(): ScriptedReply {
  return {
    content:
      "In 1854 John Snow mapped the 616 deaths of the Broad Street outbreak and showed that " +
      "they clustered around one public pump, whose handle was removed on 8 September [1]. " +
      "In 1855 he added a comparison of two water companies in south London: houses supplied " +
      "with water drawn below the sewage outfalls suffered 315 deaths per ten thousand, " +
      "against 37 for houses supplied from upstream [2]. Together these showed that cholera " +
      "travelled in water, not bad air. The Board of Health rejected the finding at first, but " +
      "Snow's methods of counting cases by exposure became the basis of epidemiology, and " +
      "safe water remains the first defence against the disease.",
  };
}

/**
 * Fetches each cited source once, then gives its verdict. When the latest turn re-attaches the
 * summary the model reads it as a new draft to check and starts over, until it gives up.
 */
function citeCheck(body: MessagesRequest): ScriptedReply {
  const fetched = toolResults(body).length;
  const last = body.messages.at(-1);
  const confused = fetched > 0 && blocksOf(last?.content).some((b) => isSummary(b));
  const limit = confused ? CONFUSED_FETCHES : CITED.length;

  if (fetched >= limit) return { content: verdict() };
  const next = CITED[fetched % CITED.length]!;
  return { content: [text(reasoning(body, next)), toolUse("fetch_source", { id: next })] };
}

/** What the model writes before fetching: the claim it checks and what it read last. */
function reasoning(body: MessagesRequest, next: number): string {
  const source = SOURCES.find((s) => s.id === next)!;
  const read = toolResults(body).at(-1);
  const quoted = read === undefined ? "" : contentText(read).slice(0, 2000);
  const lines = [
    `I need to check the claims the summary attributes to [${next}], "${source.title}".`,
    quoted === ""
      ? "Nothing has been fetched yet, so I will start with the first citation."
      : `The page fetched last reads, in the part that matters:\n"${quoted}"\n` +
        "That passage supports the figures as the summary states them.",
    `Next I fetch [${next}] to compare its wording and numbers with the summary.`,
  ];
  return lines.join("\n\n");
}

function verdict(): string {
  return (
    "Both citations check out. [1] supports the 616 deaths, the clustering around the Broad " +
    "Street pump and the removal of its handle on 8 September 1854. [2] supports the " +
    "comparison of the two water companies, with 315 and 37 deaths per ten thousand houses. " +
    "The summary's closing claims are reasonable inferences and need no further citation."
  );
}

function toolResults(body: MessagesRequest): RequestBlock[] {
  return body.messages.flatMap((m) => blocksOf(m.content)).filter((b) => b.type === "tool_result");
}

function blocksOf(content: string | RequestBlock[] | undefined): RequestBlock[] {
  if (content === undefined) return [];
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function isSummary(block: RequestBlock): boolean {
  return block.type === "text" && String(block.text).includes(SUMMARY_HEADING);
}

function contentText(block: RequestBlock): string {
  const content = block.content;
  if (typeof content === "string") return content;
  return blocksOf(content as RequestBlock[])
    .map((b) => String(b.text ?? ""))
    .join("\n");
}
