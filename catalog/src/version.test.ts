import { expect, test } from "vitest";
import { isValidRange, normalizeVersion, supportsKafka } from "./version.js";

test.each([
  ["1.2.3", "1.2.3"],
  ["3.3.1.Final", "3.3.1"],
  ["2.7.0.GA", "2.7.0"],
  ["2.1.0.CR1", "2.1.0-cr1"],
  ["3.0.0.Beta2", "3.0.0-beta2"],
  ["1.2", "1.2.0"],
  ["4", "4.0.0"],
  ["1.0.0-SNAPSHOT", "1.0.0-SNAPSHOT"],
  ["2.1.0.SNAPSHOT", "2.1.0-snapshot"],
  ["v10.1.0", "10.1.0"],
  ["latest", undefined],
  ["1.2.3.4", "1.2.3"],
  ["1.2.3-", undefined],
])("normalizeVersion(%s) = %s", (input, expected) => {
  expect(normalizeVersion(input)).toBe(expected);
});

test.each([
  [">=3.9.0 <5.0.0", "4.3.1", true],
  [">=3.9.0 <5.0.0", "4.3", true],
  [">=4.3.0", "4.2", false],
  [">=4.3.1", "4.3", true],
  ["~4.2.0", "4.3.1", false],
  [">=3.9.0 <5.0.0", "five", false],
  // Leading zeros (a hostile-input case once ended in semver's TypeError).
  [">=3.9.0 <5.0.0", "04.03", true],
  [">=3.9.0 <5.0.0", "00.0", false],
])("supportsKafka(%s, %s) = %s", (range, kafka, expected) => {
  expect(supportsKafka(range, kafka)).toBe(expected);
});

test("isValidRange", () => {
  expect(isValidRange(">=3.9.0 <5.0.0")).toBe(true);
  expect(isValidRange("around 4")).toBe(false);
});
