import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidInputError } from "../errors.js";
import { PolicySchema, type PolicyConfig, type PolicyFile } from "./config.js";

/** The policies shipped in the package's `policies/` folder. */
export const BUILT_IN_POLICIES = ["default", "strict", "budgeted"] as const;

/**
 * Validates a policy object (as written in a file) and resolves its `extends` chain. Every
 * problem is reported at once, with its path. `base` is the folder relative `extends` paths
 * resolve from.
 */
export function parsePolicy(
  value: unknown,
  subject = "policy",
  base = process.cwd(),
): PolicyConfig {
  return resolvePolicy(value, subject, base, []);
}

/**
 * Loads a policy: a built-in name (`default`, `strict`, `budgeted`) or a path to a JSON file.
 */
export function loadPolicy(nameOrPath: string): PolicyConfig {
  const file = locate(nameOrPath, process.cwd());
  return resolvePolicy(readJson(file), `policy file ${file}`, dirname(file), [file]);
}

function resolvePolicy(
  value: unknown,
  subject: string,
  base: string,
  seen: string[],
): PolicyConfig {
  const parsed = PolicySchema.safeParse(value);
  if (!parsed.success) throw InvalidInputError.fromZod(subject, parsed.error, value);

  const { $schema: _schema, extends: parentName, ...own } = parsed.data;
  let parent: PolicyConfig = {};
  if (parentName !== undefined) {
    const file = locate(parentName, base);
    if (seen.includes(file)) {
      throw new InvalidInputError(subject, [
        {
          path: "extends",
          message: `extends itself through ${seen.join(" -> ")}`,
          value: parentName,
        },
      ]);
    }
    parent = resolvePolicy(readJson(file), `policy file ${file}`, dirname(file), [...seen, file]);
  }
  return merge(parent, own as PolicyFile);
}

/** The child wins key by key; `null` switches an inherited guard off; steps merge per step. */
function merge(parent: PolicyConfig, child: PolicyFile): PolicyConfig {
  const out: Record<string, unknown> = { ...parent };

  for (const [key, value] of Object.entries(child)) {
    if (value === null) delete out[key];
    else if (key === "steps" && parent.steps) out.steps = mergeSteps(parent.steps, value as Steps);
    else if (value !== undefined) out[key] = value;
  }
  return out as PolicyConfig;
}

type Steps = NonNullable<PolicyConfig["steps"]>;

/** A child's step limits override its parent's field by field, so `maxCalls` keeps `maxCostUsd`. */
function mergeSteps(parent: Steps, child: Steps): Steps {
  const out: Steps = { ...parent };
  for (const [step, limits] of Object.entries(child)) out[step] = { ...parent[step], ...limits };
  return out;
}

function locate(nameOrPath: string, base: string): string {
  if ((BUILT_IN_POLICIES as readonly string[]).includes(nameOrPath)) {
    return join(policiesFolder(), `${nameOrPath}.json`);
  }
  return isAbsolute(nameOrPath) ? nameOrPath : resolve(base, nameOrPath);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InvalidInputError(`policy file ${file}`, [
      { path: "", message: `cannot be read (${reason})` },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`policy file ${file}`, [
      { path: "", message: `is not valid JSON: ${(error as Error).message}` },
    ]);
  }
}

/** The package's `policies/` folder, from the source tree or from `dist/`. */
export function policiesFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of [".", "..", "../.."]) {
    const candidate = resolve(here, up, "policies");
    if (existsSync(join(candidate, "default.json"))) return candidate;
  }
  throw new Error(`agenttrace: cannot find the policies folder near ${here}`);
}
