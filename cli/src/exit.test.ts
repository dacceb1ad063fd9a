import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { EXIT_CODES } from "./exit.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("exit codes", () => {
  test("README.md documents exactly the table the CLI uses", () => {
    const section = readme.split(/^## Exit codes$/m)[1]?.split(/^## /m)[0] ?? "";
    const rows = [...section.matchAll(/^\| `(\d+)` +\| (.+?) +\|$/gm)].map((m) => ({
      code: Number(m[1]),
      meaning: m[2],
    }));
    expect(rows).toEqual(EXIT_CODES);
  });

  test("every code is distinct", () => {
    expect(new Set(EXIT_CODES.map((c) => c.code)).size).toBe(EXIT_CODES.length);
  });
});
