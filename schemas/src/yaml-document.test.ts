import { describe, expect, test } from "vitest";
import { SpecError } from "./errors.js";
import { parseSourceDocument } from "./yaml-document.js";

function findings(text: string, opts = {}) {
  try {
    parseSourceDocument(text, "f.yaml", opts);
    return [];
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.diagnostics.map((d) => `${d.location.line ?? "-"}:${d.location.column ?? "-"} ${d.code}`);
  }
}

describe("parseSourceDocument", () => {
  test("locates values, keys and sequence items", () => {
    const doc = parseSourceDocument("a:\n  b: [x, y]\n  c:\n    - d: 1\n", "f.yaml");
    expect(doc.value).toEqual({ a: { b: ["x", "y"], c: [{ d: 1 }] } });
    expect(doc.locate(["a", "b", 1])).toEqual({ line: 2, column: 10 });
    expect(doc.locate(["a", "c", 0, "d"])).toEqual({ line: 4, column: 10 });
    expect(doc.locate(["a", "c", 0, "d"], { key: true })).toEqual({ line: 4, column: 7 });
    // A path that does not exist points at its nearest ancestor.
    expect(doc.locate(["a", "missing", "deeper"])).toEqual({ line: 2, column: 3 });
  });

  test("parses JSON too, with positions", () => {
    const doc = parseSourceDocument('{\n  "k": {"v": 2}\n}\n', "f.json");
    expect(doc.locate(["k", "v"])).toEqual({ line: 2, column: 14 });
  });

  test.each([
    ["duplicate keys", "a: 1\nb: 2\na: 3\n", {}, ["3:1 yaml-duplicate-key"]],
    ["several documents", "a: 1\n---\nb: 2\n", {}, ["3:1 multiple-documents"]],
    ["an empty file", "\n\n", {}, ["-:- empty"]],
    ["only comments", "# x\n", {}, ["-:- empty"]],
    ["an explicit null", "~\n", {}, ["-:- empty"]],
    ["too many aliases", "a: &a [1, 2]\nb: [*a, *a, *a]\n", { maxAliasCount: 2 }, ["-:- yaml-alias-limit"]],
    ["a file over the limit", "a: 1234567890\n", { maxBytes: 8 }, ["-:- file-too-large"]],
  ])("rejects %s", (_name, text, opts, expected) => {
    expect(findings(text, opts)).toEqual(expected);
  });

  test("aliases under the limit expand normally", () => {
    expect(parseSourceDocument("a: &a [1]\nb: *a\n", "f.yaml").value).toEqual({ a: [1], b: [1] });
  });
});
