import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { standaloneModule, validatorFor } from "./compile-validators.js";
import { SCHEMA_NAMES } from "./kinds.js";
import { repoLockValues, repoYamlTexts } from "./testing/repo-yaml.js";
import { parseSourceDocument } from "./yaml-document.js";

describe("standalone validators", () => {
  it("answer every document of the repository exactly as the compiled ones, for every schema", async () => {
    const values: unknown[] = [];
    for (const text of repoYamlTexts()) {
      try {
        values.push(parseSourceDocument(text, "f.yaml").value);
      } catch {
        // not a document: the located parse refuses it before any validator runs
      }
    }
    expect(values.length).toBeGreaterThan(40);
    const locks = repoLockValues();
    expect(locks.length).toBeGreaterThan(2);
    expect(validatorFor("Lockfile")(locks[0])).toBe(true);
    values.push(...locks);
    // Verbose errors carry the data and the schemas: all of it must match.
    const want = JSON.parse(
      JSON.stringify(
        SCHEMA_NAMES.flatMap((name) =>
          values.map((v) => {
            const fn = validatorFor(name);
            return { valid: fn(v), errors: fn.errors ?? [] };
          }),
        ),
      ),
    ) as Array<{ valid: boolean }>;
    expect(want.filter((w) => !w.valid).length).toBeGreaterThan(values.length);

    // The generated module runs in plain Node, as the built command loads it.
    const dir = await mkdtemp(join(tmpdir(), "kiln-validators-"));
    try {
      await writeFile(join(dir, "validators.mjs"), standaloneModule({ absoluteImports: true }));
      await writeFile(join(dir, "values.json"), JSON.stringify({ names: SCHEMA_NAMES, values }));
      await writeFile(
        join(dir, "run.mjs"),
        `import { readFileSync } from "node:fs";
import { validatorFor } from "./validators.mjs";
const { names, values } = JSON.parse(readFileSync(new URL("values.json", import.meta.url), "utf8"));
const out = names.flatMap((k) => values.map((v) => { const fn = validatorFor(k); return { valid: fn(v), errors: fn.errors ?? [] }; }));
process.stdout.write(JSON.stringify(out));
`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "run.mjs")], {
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(JSON.parse(stdout)).toEqual(want);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
