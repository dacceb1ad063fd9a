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

describe("readManifests", () => {
  const write = async (files: Record<string, string>) => {
    const { mkdtemp, mkdir, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { dirname, join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "kiln-manifests-"));
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    return dir;
  };
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;

  it("follows a kustomization's resources and ignores other files beside them", async () => {
    const { readManifests } = await import("./input.js");
    const dir = await write({
      "kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [kafka/b.yaml, a.yaml]\n",
      "a.yaml": cm("a"),
      "kafka/b.yaml": cm("b"),
      "monitoring/alertmanager.example.yaml": "route: {receiver: x}\n",
    });
    expect((await readManifests([dir])).map((s) => s.object.metadata.name)).toEqual(["b", "a"]);
  });

  it("reads every YAML file of a plain directory, sorted", async () => {
    const { readManifests } = await import("./input.js");
    const dir = await write({ "z.yaml": cm("z"), "sub/a.yml": cm("a"), "notes.md": "# not yaml" });
    expect((await readManifests([dir])).map((s) => s.object.metadata.name)).toEqual(["a", "z"]);
  });

  it("refuses kustomizations that transform objects", async () => {
    const { readManifests } = await import("./input.js");
    const dir = await write({
      "kustomization.yaml": "resources: [a.yaml]\nnamePrefix: x-\n",
      "a.yaml": cm("a"),
    });
    await expect(readManifests([dir])).rejects.toThrowError(/uses namePrefix, which kiln does not apply/);
  });
});
