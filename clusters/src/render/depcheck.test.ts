import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Renderers are pure: (cluster, options) => objects. No file system, network,
// clock, randomness or environment in their sources (tests excepted).
const ROOTS = ["render", "mirrormaker", "wire", "strimzi", "network"].map((d) =>
  join(dirname(fileURLToPath(import.meta.url)), "..", d),
);
const PURE_FILES = ["output.ts", "check.ts"].map((f) =>
  join(dirname(fileURLToPath(import.meta.url)), "..", f),
);
const FORBIDDEN = [
  /from\s+["']node:(fs|fs\/promises|net|http|https|child_process|os|dns)["']/,
  /from\s+["'](fs|net|http|https|child_process|undici|dockerode|@kubernetes\/client-node)["']/,
  /\bfetch\s*\(/,
  /\bDate\.now\s*\(/,
  /\bnew Date\s*\(/,
  /\bMath\.random\s*\(/,
  /\bprocess\.(env|cwd)\b/,
];

function sources(): string[] {
  const out = [...PURE_FILES];
  for (const root of ROOTS)
    for (const f of readdirSync(root, { recursive: true, encoding: "utf8" }))
      if (f.endsWith(".ts") && !f.endsWith(".test.ts")) out.push(join(root, f));
  return out.sort();
}

describe("renderer purity", () => {
  it("scans a meaningful set of files", () => {
    expect(sources().length).toBeGreaterThan(10);
  });
  it.each(sources())("%s uses no fs, network, clock or environment", (file) => {
    const text = readFileSync(file, "utf8");
    const hits = FORBIDDEN.filter((re) => re.test(text)).map(String);
    expect(hits).toStrictEqual([]);
  });
  it("the check catches a forbidden import", () => {
    expect(FORBIDDEN.some((re) => re.test('import { readFile } from "node:fs/promises";'))).toBe(true);
    expect(FORBIDDEN.some((re) => re.test("const t = Date.now();"))).toBe(true);
  });
});
