import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

/**
 * Bundles a TypeScript entry (and everything it imports, ioredis included) into one CommonJS file
 * that `child_process.fork` can run on Node 20. Returns the file's path.
 */
export async function bundleForNode(entry: URL): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), "agenttrace-")), "worker.cjs");
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "silent",
  });
  return outfile;
}
