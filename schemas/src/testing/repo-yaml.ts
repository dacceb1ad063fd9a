import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..", "..");

/** Every YAML file of the repository's workspaces and examples, valid and invalid ones (tests only). */
export function repoYamlTexts(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
  };
  for (const d of ["catalog", "examples", "connectors", "clusters", "test"]) walk(join(root, d));
  return out.map((f) => readFileSync(f, "utf8"));
}

/**
 * The repository's lockfile, each of its top-level fields given a value of the wrong type, and
 * the lockfiles of the CLI's hostile-input corpus that are whole JSON texts (tests only).
 */
export function repoLockValues(): unknown[] {
  const lock = JSON.parse(readFileSync(join(root, "kiln.lock.json"), "utf8")) as Record<string, unknown>;
  const out: unknown[] = [lock, ...Object.keys(lock).map((k) => ({ ...lock, [k]: "wrong" }))];
  const corpus = join(root, "cli", "fixtures", "hostile");
  for (const name of readdirSync(corpus)) {
    const fixture = JSON.parse(readFileSync(join(corpus, name), "utf8")) as {
      files?: Record<string, unknown>;
    };
    // Other entries patch a template lock: not a document of their own.
    const text = fixture.files?.["kiln.lock.json"];
    if (typeof text !== "string") continue;
    try {
      out.push(JSON.parse(text));
    } catch {
      // not JSON: the lock reader refuses it before any validator runs
    }
  }
  return out;
}
