// Runs every benchmark built into build/bench, one process each so their heaps do not mix.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../build/bench/", import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .sort()) {
  if (only.length > 0 && !only.some((name) => file.startsWith(name))) continue;
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, ["--expose-gc", dir + file], { stdio: "inherit" });
  if (result.status !== 0) process.exitCode = 1;
}
