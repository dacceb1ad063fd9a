import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Every YAML file of the repository's workspaces and examples, valid and invalid ones (tests only). */
export function repoYamlTexts(): string[] {
  const root = join(import.meta.dirname, "..", "..", "..");
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
