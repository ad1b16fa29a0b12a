// Guard a loop with a budget and the default runaway patterns, without the SDK middleware: the
// agent asks the guard before each call and hands it the usage after.
import { Guard, formatTextReport, isPolicyViolationError, loadPolicy } from "agenttrace";

const guard = new Guard({
  policy: { ...loadPolicy("default"), maxCostUsd: 0.05, warnAtFraction: 0.8 },
});
guard.on("warning", ({ warning }) => console.warn(`warning: ${warning.message}`));
guard.on("runEnd", ({ summary }) => process.stdout.write(formatTextReport(summary)));

try {
  await guard.run("budgeted-loop", async (run) => {
    for (let turn = 0; turn < 100; turn++) {
      const apiUsage = { input_tokens: 2000, output_tokens: 400 };
      const tags = { step: "answer" };

      // Before the call: would it break a limit? (Throws a PolicyViolationError if so.)
      const usage = { input_tokens: 2000, output_tokens: 400 }; // the prompt and max_tokens
      const ticket = await guard.beforeCall(run, { model: "claude-haiku-4-5", tags, usage });

      // ... the model call happens here ...

      await guard.afterCall(ticket, {
        model: "claude-haiku-4-5",
        usage: apiUsage,
        latencyMs: 800,
        tags,
      });
    }
  });
} catch (error) {
  if (!isPolicyViolationError(error)) throw error;
  console.log(`stopped: ${error.message}`);
}
