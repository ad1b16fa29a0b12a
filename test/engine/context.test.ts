import { describe, expect, test } from "vitest";

import { currentContext, runWithContext, withStep } from "../../src/engine/context.js";
import { isInvalidInputError } from "../../src/errors.js";
import { Run } from "../../src/run/run.js";

describe("withStep", () => {
  test("tags the code inside it, over the run's context", () => {
    const run = new Run("agent");
    const seen = runWithContext({ run }, () =>
      withStep("search", () => currentContext(), { tenant: "acme" }),
    );
    expect(seen).toEqual({ run, step: "search", tags: { tenant: "acme" } });
  });

  // The middleware trusts the step and tags it reads from the context: they are checked here.
  test.each([
    ["an empty step", "", undefined, /step.*a step name is required/s],
    ["a step that is not a string", 7, undefined, /step.*7/s],
    ["a tag that is not a string", "search", { tenant: 42 }, /tags\.tenant.*42/s],
  ])("refuses %s, naming the field and value", (_case, step, tags, message) => {
    let ran = false;
    const enter = () =>
      withStep(step as string, () => (ran = true), tags as Record<string, string> | undefined);

    expect(enter).toThrow(message);
    expect(ran).toBe(false);
    try {
      enter();
    } catch (error) {
      expect(isInvalidInputError(error)).toBe(true);
    }
  });
});
