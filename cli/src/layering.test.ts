import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Data flows one way: schemas ← catalog ← builder / clusters / connectors / runtime ← conformance,
// local ← pipeline ← cli. A workspace may depend on, and import, only workspaces of a lower layer;
// and a CLI verb never imports another verb (what two verbs share lives in the pipeline, or in a
// CLI module that is not a verb).
const root = new URL("../../", import.meta.url).pathname;
const LAYER: Record<string, number> = {
  schemas: 0,
  catalog: 1,
  builder: 2,
  clusters: 2,
  connectors: 2,
  runtime: 2,
  conformance: 3,
  local: 3,
  pipeline: 4,
  cli: 5,
};
/** Workspaces outside the layering: they exercise everything. */
const OUTSIDE = ["test", "bench"];

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** The `@kiln/<workspace>` names a source imports (static or dynamic, subpaths included). */
export function kilnImports(text: string): string[] {
  return [...text.matchAll(/(?:from|import\(|import)\s*["']@kiln\/([a-z-]+)/g)].map((m) => m[1] as string);
}

function violations(ws: string): string[] {
  const own = LAYER[ws] as number;
  const pkg = JSON.parse(readFileSync(join(root, ws, "package.json"), "utf8"));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((d) => d.startsWith("@kiln/"))
    .map((d) => d.slice(6));
  const out = deps
    .filter((d) => !((LAYER[d] ?? Number.POSITIVE_INFINITY) < own))
    .map((d) => `package.json → ${d}`);
  for (const file of sources(join(root, ws, "src")))
    for (const d of kilnImports(readFileSync(file, "utf8"))) {
      const where = `${file.slice(root.length)} → @kiln/${d}`;
      if (!((LAYER[d] ?? Number.POSITIVE_INFINITY) < own)) out.push(where);
      else if (!deps.includes(d)) out.push(`${where}, not in package.json`);
    }
  return out;
}

/** The modules cli.ts loads as verbs. */
function verbs(): Set<string> {
  const cli = readFileSync(join(root, "cli/src/cli.ts"), "utf8");
  return new Set([...cli.matchAll(/import\("\.\/commands\/([^"]+)\.js"\)/g)].map((m) => m[1] as string));
}

/** The verbs a command module imports. */
export function verbImports(text: string, all: Set<string>): string[] {
  return [...text.matchAll(/(?:from|import\()\s*["']\.\/([^"']+)\.js["']/g)]
    .map((m) => m[1] as string)
    .filter((m) => all.has(m));
}

describe("layering", () => {
  it("places every workspace", () => {
    const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces as string[];
    expect(workspaces.filter((w) => !(w in LAYER) && !OUTSIDE.includes(w))).toStrictEqual([]);
  });

  it.each(Object.keys(LAYER))("%s depends on and imports lower layers only, each declared", (ws) => {
    expect(violations(ws)).toStrictEqual([]);
  });

  it("no verb imports another verb", () => {
    const all = verbs();
    expect(all.size).toBeGreaterThan(20);
    const found = [...all].flatMap((v) =>
      verbImports(readFileSync(join(root, "cli/src/commands", `${v}.ts`), "utf8"), all).map(
        (w) => `${v} → ${w}`,
      ),
    );
    expect(found).toStrictEqual([]);
  });

  it("the checks catch a violation", () => {
    const kiln = "@kiln"; // spelled apart so this file does not import what it names
    expect(
      kilnImports(`import { build } from "${kiln}/pipeline";\nconst c = await import("${kiln}/cli");`),
    ).toStrictEqual(["pipeline", "cli"]);
    expect(verbImports('import { sources } from "./bake.js";', new Set(["bake", "build"]))).toStrictEqual([
      "bake",
    ]);
    expect(verbImports('import { planFor } from "./connectors-common.js";', new Set(["bake"]))).toStrictEqual(
      [],
    );
  });
});
