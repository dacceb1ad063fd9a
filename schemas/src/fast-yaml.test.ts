import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { fastParse } from "./fast-yaml.js";
import { repoYamlTexts } from "./testing/repo-yaml.js";
import { parseSourceDocument } from "./yaml-document.js";

/** The located parse's verdict: its value, or that it refuses the text. */
function located(text: string): { value: unknown } | "refused" {
  try {
    return { value: parseSourceDocument(text, "t.yaml").value };
  } catch {
    return "refused";
  }
}

// Scalars where YAML schemas differ (1.1 vs 1.2 core, js-yaml vs yaml), keys that are not
// strings, and the syntax corners where parsers have disagreed.
const TRICKY = [
  ...["0b101", "0o17", "017", "0x1F", "0x", "0o", "00", "0xG", "1_000", "+12", "-0", "12345678901234567890"],
  ...[
    "9007199254740993",
    ".inf",
    "-.Inf",
    "+.INF",
    ".NaN",
    ".nan",
    ".NAN",
    "1e3",
    "1.0e+3",
    "-.5e-3",
    "1e400",
  ],
  ...[
    "-1e400",
    ".5",
    "+.5",
    "5.",
    "1.",
    "1.10",
    ".",
    "+",
    "-",
    "True",
    "TRUE",
    "tRUE",
    "yes",
    "on",
    "off",
    "y",
  ],
  ...["~", "Null", "NULL", "nULL", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1:20", "@x", "`x"],
  ...[
    '"\\u00e9\\/\\x41"',
    '"\\N\\_\\L\\P"',
    '"\\e\\a"',
    "'it''s'",
    '""',
    "x #c",
    "x#c",
    "${file:/x:y}",
    "- b",
  ],
  ...[
    "[b, c",
    "'x",
    "b: c",
    "[b, , c]",
    "{b: , c: d}",
    "*.jar",
    '"*/5 * * * *"',
    "R&D",
    "a & b",
    "hi!",
    "! 12",
  ],
].map((v) => `a: ${v}\n`);
const DOCUMENTS = [
  "~: x",
  "null: x",
  ": x",
  "'null': x",
  "? [a, b]\n: c",
  "? a\n: b",
  "[a]: b",
  "{a: 1}: c",
  "[a, b]: c",
  "1: a\n'1': b",
  "1: a\n1.0: b",
  "true: x\n0x10: y\n1e3: z",
  "__proto__: {a: 1}",
  "<<: {a: 1}\nb: 2",
  "a: &x 1\nb: *x",
  "a: !!str 1",
  "a: !!int '1'",
  "a: !x y",
  "%YAML 1.1\n---\na: yes",
  "a: b\n---\nc: d",
  "---\na: 1\n...\n",
  "a: 1\na: 2",
  "{a: 1, a: 2}",
  "a:\n  - b\n - c",
  "a:\tb",
  "\ta: b",
  "a: |\n  x\n  y\n",
  "a: |-\n  x\n\n",
  "a: |+\n  x\n\n",
  "a: >-\n  x\n\n  y\n",
  "a: >\n  folded\n  text\n\n  para\n",
  "a: b\n  c\n  d",
  'a: "multi\n  line"',
  "a: 'multi\n\n  line'",
  "a: x\n# only comment\n",
  "a:\n- 1\n- 2",
  "- - a\n  - b",
  "- a\n- b: c\n  d: e",
  '{"a": [1, 2.5, true, null, "x"], "b": {"c": "d"}}',
  "key with spaces: v",
  "a:",
  "a: b\r\nc: d\r\n",
  "\ufeffa: 1",
  'a: "tab\there"',
  "a: x\u2028y",
  "a: b: c",
  "a: [b, c]\nd: {e: f, g: [h]}",
  "a:\n  b:\n    c: [1, 2, {d: e}]\n",
  "# comment only\n",
  "",
  "plain scalar document",
  "- just\n- a list",
  "a: 'unterminated",
  "a: -\n  - nested",
  "a: >\n\tbad tab\n",
  `a: "${"x".repeat(2000)}"`,
  `${"k".repeat(1100)}: v`,
];

describe("fastParse", () => {
  it("gives exactly the located parse's value, or leaves the file to it", () => {
    const texts = [...TRICKY, ...DOCUMENTS, ...repoYamlTexts()];
    const disagreements: string[] = [];
    let fast = 0;
    for (const text of texts) {
      const f = fastParse(text);
      if (!f) continue;
      fast++;
      const l = located(text);
      if (l === "refused" || !isDeepStrictEqual(f.value, l.value))
        disagreements.push(`${JSON.stringify(text.slice(0, 80))}: fast ${JSON.stringify(f.value)}`);
    }
    expect(disagreements).toEqual([]);
    // The fast path is the common one: most of the corpus takes it.
    expect(fast).toBeGreaterThan(texts.length / 2);
  });

  it.each([
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a directive", "%YAML 1.1\n---\na: yes\n"],
    ["a null key", "~: x\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a syntax error", "a: [b\n"],
    ["an explicit key", "? a\n: b\n"],
  ])("leaves %s to the located parse", (_what, text) => {
    expect(fastParse(text)).toBeUndefined();
  });

  it("reads the YAML 1.2 core scalars as the located parse does", () => {
    expect(fastParse("a: 0o17\nb: 0x1F\nc: yes\nd: ~\ne: .inf\nf: 1e3\ng: 017\n")).toEqual({
      value: { a: 15, b: 31, c: "yes", d: null, e: Number.POSITIVE_INFINITY, f: 1000, g: 17 },
    });
  });
});
