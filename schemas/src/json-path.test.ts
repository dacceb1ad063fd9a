import { expect, test } from "vitest";
import { formatPath, parsePointer } from "./json-path.js";

test.each([
  ["", [], "(root)"],
  ["/artifacts/0/sha512", ["artifacts", 0, "sha512"], "artifacts[0].sha512"],
  ["/config/database.hostname", ["config", "database.hostname"], 'config["database.hostname"]'],
  ["/a~1b/c~0d", ["a/b", "c~d"], '["a/b"]["c~d"]'],
  ["/01", ["01"], '["01"]'],
])("pointer %j", (pointer, segments, formatted) => {
  expect(parsePointer(pointer)).toEqual(segments);
  expect(formatPath(parsePointer(pointer))).toBe(formatted);
});
