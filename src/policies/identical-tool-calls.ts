import { PerRun, stepLabel, type Policy } from "./policy.js";

interface Streak {
  signature: string;
  name: string;
  count: number;
}

/**
 * Stops a run whose model asks for the same tool with the same input again and again in a row.
 * Repeats with other work between them (re-running the tests after each edit, polling a job
 * between other steps) reset the count: they are work, not a loop.
 */
export function identicalToolCallsPolicy(max: number): Policy {
  const state = new PerRun<Streak>(() => ({ signature: "", name: "", count: 0 }));

  return {
    name: "maxIdenticalToolCalls",

    after({ run, record, step }) {
      const streak = state.get(run);

      for (const use of record.toolUses) {
        const signature = `${use.name}\u0000${stableJson(use.input)}`;
        if (signature === streak.signature) streak.count += 1;
        else Object.assign(streak, { signature, name: use.name, count: 1 });
      }
      if (streak.count <= max) return undefined;

      return {
        action: "stop",
        policy: "maxIdenticalToolCalls",
        kind: "RepeatedToolCallError",
        limit: max,
        observed: streak.count,
        message:
          `${stepLabel(step)}: the model asked for tool "${streak.name}" with the same input ` +
          `${streak.count} times in a row, more than the ${max} allowed ` +
          `(policy maxIdenticalToolCalls); give the model the tool's result in a form it can act ` +
          `on, or raise the limit`,
      };
    },
  };
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same input. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
