import { describe, expect, it } from "vitest";
import { ManifestError } from "./errors.js";
import { parseManifests } from "./input.js";

describe("parseManifests", () => {
  it("reads multi-document YAML and List kinds, skipping empty documents", () => {
    const text = [
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}",
      "",
      "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}",
    ].join("\n---\n");
    expect(parseManifests(text, "f.yaml").map((s) => `${s.object.metadata.name}@${s.line}`)).toEqual([
      "a@1",
      "b@6",
    ]);
  });

  it.each([
    ["not YAML", "a: [", /not valid YAML/],
    ["no kind", "apiVersion: v1\nmetadata: {name: a}", /not a Kubernetes object/],
    ["no name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}", /ConfigMap has no metadata.name/],
  ])("rejects %s with its file", (_, text, message) => {
    expect(() => parseManifests(text, "bad.yaml")).toThrowError(ManifestError);
    expect(() => parseManifests(text, "bad.yaml")).toThrowError(message);
  });
});
