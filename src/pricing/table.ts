import { readFile } from "node:fs/promises";
import { z } from "zod";
import { InvalidInputError, valueAt } from "../errors.js";
import { normalizeModelId } from "./model-id.js";

const usdPerMTok = z.number().nonnegative("must be a price >= 0 in USD per million tokens");
const usdPer1k = z.number().nonnegative("must be a price >= 0 in USD per 1,000 searches");
const multiplier = z.number().positive("must be a multiplier > 0");

const tokenRates = {
  /** Uncached input, USD per million tokens. */
  input: usdPerMTok,
  output: usdPerMTok,
  /** Defaults to 0.1x input. */
  cacheRead: usdPerMTok.optional(),
  /** 5-minute cache writes; defaults to 1.25x input. */
  cacheWrite5m: usdPerMTok.optional(),
  /** 1-hour cache writes; defaults to 2x input. */
  cacheWrite1h: usdPerMTok.optional(),
};

const longContextSchema = z.strictObject({
  /** The whole request bills at these rates when its prompt is greater than this many tokens. */
  threshold: z.int("must be a whole number of tokens").positive("must be > 0"),
  ...tokenRates,
});

const entrySchema = z.strictObject({
  ...tokenRates,
  longContext: longContextSchema.optional(),
  /** USD per 1,000 web searches; defaults to 10. */
  webSearchPer1k: usdPer1k.optional(),
  /**
   * Token-rate multiplier in fast mode; defaults to the catalogue model's, and without either,
   * fast calls are unpriced.
   */
  fastMultiplier: multiplier.optional(),
  /** Token-rate multiplier for `inference_geo: "us"`; defaults to the catalogue model's, else 1. */
  usResidencyMultiplier: multiplier.optional(),
  /** First day (UTC, `YYYY-MM-DD`) the price applies; without it, it applies from the start. */
  since: z.iso.date("must be a date written YYYY-MM-DD").optional(),
});

const tableSchema = z
  .strictObject({
    /** Model id → its price, or a list of dated prices. Ids match like API model ids. */
    models: z.record(z.string().min(1), z.union([entrySchema, z.array(entrySchema).min(1)])),
  })
  .superRefine((table, context) => {
    // Two spellings of one id, or two prices for one day, would leave the choice to key order.
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(table.models)) {
      const id = normalizeModelId(key);
      const other = seen.get(id);
      if (other !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["models", key],
          message: `same model as "${other}"`,
        });
      }
      seen.set(id, key);

      const days = new Set<string>();
      const entries = Array.isArray(value) ? value : [value];
      entries.forEach((entry, index) => {
        const day = entry.since ?? "";
        if (days.has(day)) {
          const path = Array.isArray(value) ? ["models", key, index, "since"] : ["models", key];
          const message = `a second price ${day ? `from ${day}` : "with no since"}`;
          context.addIssue({ code: "custom", path, message });
        }
        days.add(day);
      });
    }
  });

/** A price table as written, in USD per million tokens. JSON-able. */
export type PriceTableInput = z.input<typeof tableSchema>;
/** A validated price table. */
export type PriceTable = z.output<typeof tableSchema>;
/** One model's price in a table. */
export type PriceTableEntry = z.output<typeof entrySchema>;

/**
 * Validates a price table, e.g. `{ "models": { "my-model": { "input": 3, "output": 15 } } }`.
 * Throws `InvalidInputError` listing every bad field with its path and value.
 */
export function parsePriceTable(input: unknown, subject = "price table"): PriceTable {
  const result = tableSchema.safeParse(input);
  if (result.success) return result.data;
  throw InvalidInputError.fromZod(
    subject,
    new z.ZodError(flattenUnions(result.error, input)),
    input,
  );
}

/** Reads and validates a price table from a JSON file. */
export async function loadPriceTable(path: string): Promise<PriceTable> {
  const text = await readFile(path, "utf8");
  const subject = `price table ${path}`;

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = `not valid JSON: ${(error as Error).message}${lineOf(text, error)}`;
    throw new InvalidInputError(subject, [{ path: "", message }]);
  }
  return parsePriceTable(json, subject);
}

/**
 * A model's value may be one price or a list. When it is neither, zod reports one "invalid
 * input" for the union; replacing it with the issues of the branch the value was meant for
 * (a list when it is an array) names each bad field instead.
 */
function flattenUnions(error: z.ZodError, input: unknown): z.core.$ZodIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || issue.errors.length !== 2) return [issue];
    const branch = Array.isArray(valueAt(input, issue.path)) ? 1 : 0;
    const nested = issue.errors[branch] ?? [];
    return nested.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  });
}

// Node names a character position in its syntax errors; a line and column find it in an editor.
function lineOf(text: string, error: unknown): string {
  const message = String((error as Error).message);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined || /line \d+/.test(message)) return "";
  const before = text.slice(0, Number(position)).split("\n");
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`;
}
