import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM and CJS with types. Optional integrations are separate entries so the
    // core never loads their dependencies.
    entry: {
      index: "src/index.ts",
      testing: "src/testing/index.ts",
      redis: "src/redis.ts",
      sqlite: "src/sqlite.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: "node20",
  },
  {
    // The CLI: ESM only.
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
  {
    // Benchmarks and examples: runnable scripts, kept out of the published dist/. They import
    // `agenttrace` as users do, which resolves to dist/ through the package's own exports.
    entry: ["bench/*.ts", "examples/*.ts", "examples/cite-check/main.ts"],
    outDir: "build",
    format: ["esm"],
    target: "node20",
    external: ["agenttrace"],
    clean: true,
  },
]);
