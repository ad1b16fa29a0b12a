/**
 * Turns a model id as a platform spells it into the Anthropic API's own spelling, which is what
 * the catalogue and price tables are matched against:
 *
 * - gateways: `anthropic/claude-sonnet-4-5` → `claude-sonnet-4-5`
 * - Bedrock: `us.anthropic.claude-haiku-4-5-20251001-v1:0` → `claude-haiku-4-5-20251001`
 * - Vertex AI: `claude-haiku-4-5@20251001` → `claude-haiku-4-5-20251001`
 *
 * Ids are compared without case, so the result is lower case.
 */
export function normalizeModelId(model: string): string {
  let id = model.trim().toLowerCase();

  // Gateways and Bedrock ARNs put the model after a path: keep what follows the last slash.
  const slash = id.lastIndexOf("/");
  if (slash >= 0) id = id.slice(slash + 1);

  // Bedrock: an optional cross-region group (`us.`, `eu.`, `global.`), the vendor prefix, then a
  // version after the snapshot date (`-v1:0`, `-v2:0:200k`). A bare `:tag` goes too, which keeps
  // `claude-v2:1` recognisable as `claude-v2`.
  id = id.replace(/^(?:[a-z][a-z-]*\.)?anthropic\./, "");
  id = id.replace(/(-\d{8})-v\d+(?::[0-9a-z]+)*$/, "$1");
  id = id.replace(/(?::[0-9a-z]+)+$/, "");

  // Vertex AI writes the snapshot date after an `@` where the API uses a dash.
  return id.replace("@", "-");
}
