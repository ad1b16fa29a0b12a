import { z } from "zod";
import { PolicySchema } from "./config.js";

/** The JSON Schema of policy files, generated from the same zod definition the code validates. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PolicySchema, { io: "input" }) as Record<string, unknown>;
}
