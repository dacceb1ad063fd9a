import { describe, expect, it } from "vitest";
import { diffObject, unifiedDiff } from "./diff.js";
import type { KubeObject } from "./objects.js";

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", ["x", "y"])).toBe("");
  });

  it("shows removals before additions with context and hunk headers", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].join("\n");
    const after = ["a", "b", "c", "d", "E", "f", "g", "h", "i", "j", "k"].join("\n");
    expect(unifiedDiff(before, after, ["live", "rendered"], 1)).toBe(
      [
        "--- live",
        "+++ rendered",
        "@@ -4,3 +4,3 @@",
        " d",
        "-e",
        "+E",
        " f",
        "@@ -10,1 +10,2 @@",
        " j",
        "+k",
        "",
      ].join("\n"),
    );
  });

  it("handles a created object (empty before)", () => {
    expect(unifiedDiff("", "a\n", ["l", "r"])).toBe("--- l\n+++ r\n@@ -0,0 +1,1 @@\n+a\n");
  });
});

describe("diffObject", () => {
  const cm = (data: Record<string, string>, rv: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "m", namespace: "ns", resourceVersion: rv, managedFields: [{ manager: "kiln" }] },
    data,
  });

  it("ignores server-owned metadata and status", () => {
    expect(diffObject(cm({ a: "1" }, "1"), cm({ a: "1" }, "2")).change).toBe("unchanged");
  });

  it("never shows Secret values", () => {
    const s = (v: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { pw: v },
    });
    const d = diffObject(undefined, s("c2VjcmV0"));
    expect(d.change).toBe("create");
    expect(d.diff).not.toContain("c2VjcmV0");
    expect(d.note).toContain("never read");
  });
});
