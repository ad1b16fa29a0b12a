import { AsyncLocalStorage } from "node:async_hooks";
import { z } from "zod";

import { InvalidInputError } from "../errors.js";
import type { Run } from "../run/run.js";

/** The run and step a piece of agent code is working in, carried across `await`s. */
export interface CallContext {
  run: Run;
  step?: string;
  /** Extra tags for every call made in this context. */
  tags?: Record<string, string>;
}

const storage = new AsyncLocalStorage<CallContext>();

/** The context of the code running now, if it runs inside `guard.run` or `withStep`. */
export function currentContext(): CallContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current one; several runs can be in flight in one process. */
export function runWithContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

// Checked here, once per step, so the calls made inside it need no check of their tags.
const StepSchema = z.object({
  step: z.string().min(1, "a step name is required"),
  tags: z.record(z.string(), z.string()).optional(),
});

/**
 * Runs `fn` as step `step` of the current run: every model call made inside it, across awaits,
 * is tagged `step: <step>`. Outside a run it still tags the calls of the run they land in.
 * Throws `InvalidInputError` for an empty step name or a tag value that is not a string.
 */
export function withStep<T>(step: string, fn: () => T, tags?: Record<string, string>): T {
  const checked = StepSchema.safeParse({ step, tags });
  if (!checked.success) throw InvalidInputError.fromZod("withStep", checked.error, { step, tags });

  const parent = storage.getStore();
  const context = { ...parent, step, tags: { ...parent?.tags, ...tags } } as CallContext;
  return storage.run(context, fn);
}
