// Runs bench/budget.ts: bundles it (and ioredis) with esbuild into one file Node 20 can run, then
// runs that file, which forks itself for the multi-process rows.
//   node bench/redis-budget.mjs       (Redis from AGENTTRACE_REDIS_URL, default 127.0.0.1:6390)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const outfile = join(mkdtempSync(join(tmpdir(), "agenttrace-bench-")), "budget.mjs");
await build({
  entryPoints: [fileURLToPath(new URL("./budget.ts", import.meta.url))],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // ioredis is CommonJS and requires Node built-ins; give the ESM bundle a require().
  banner: {
    js: [
      "import { createRequire } from 'node:module';",
      "const require = createRequire(import.meta.url);",
    ].join(" "),
  },
  logLevel: "warning",
});

const { status } = spawnSync(process.execPath, [outfile], { stdio: "inherit" });
rmSync(dirname(outfile), { recursive: true, force: true });
process.exit(status ?? 1);
