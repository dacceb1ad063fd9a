import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { decompress } from "../layer/writer.js";
import { BlobStore } from "../layout/blob-store.js";
import { sha256Digest } from "../model/digest.js";
import { type Layer, makeImage, makeIndex } from "../model/image.js";
import { MediaType } from "../model/media.js";
import { appendLayers } from "./append.js";
import { pluginImage } from "./plugin-image.js";
import { buildPluginLayer } from "./plugins.js";

/** A base layer that fails the test if anything reads it. */
function untouchable(n: number): Layer {
  const d = sha256Digest(`layer-${n}`);
  return {
    descriptor: { mediaType: MediaType.DOCKER_LAYER_GZIP, digest: d, size: 100 + n },
    diffId: sha256Digest(`diff-${n}`),
    open: () => {
      throw new Error("a base layer was read");
    },
  };
}

function baseImage(arch: string) {
  const layers = [untouchable(1), untouchable(2)];
  return makeImage({
    mediaType: MediaType.DOCKER_MANIFEST,
    config: {
      architecture: arch,
      os: "linux",
      config: { User: "1001", Labels: { keep: "me" } },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: [{ created_by: "base" }, { created_by: "base" }],
      unknownField: { kept: true },
    },
    layers,
    platform: { os: "linux", architecture: arch },
  });
}

const added: Layer = {
  descriptor: { mediaType: MediaType.OCI_LAYER_GZIP, digest: sha256Digest("p"), size: 7 },
  diffId: sha256Digest("p-diff"),
  open: async () => {
    throw new Error("not read either");
  },
};

describe("appendLayers", () => {
  it("appends diff_ids, history and labels without reading any layer, keeping the Docker family and unknown fields", () => {
    const out = appendLayers(baseImage("amd64"), [{ layer: added, createdBy: "kiln bake: plugin p@1" }], {
      epoch: 1_700_000_000,
      labels: { "dev.kiln.plugins": "p@1" },
    });
    if (out.kind !== "image") throw new Error("image expected");
    expect(out.mediaType).toBe(MediaType.DOCKER_MANIFEST);
    expect(out.manifest.layers.map((l) => l.mediaType)).toStrictEqual([
      MediaType.DOCKER_LAYER_GZIP,
      MediaType.DOCKER_LAYER_GZIP,
      MediaType.DOCKER_LAYER_GZIP,
    ]);
    expect(out.config.rootfs.diff_ids).toStrictEqual([
      sha256Digest("diff-1"),
      sha256Digest("diff-2"),
      added.diffId,
    ]);
    expect(out.config.history?.at(-1)).toStrictEqual({
      created: "2023-11-14T22:13:20Z",
      created_by: "kiln bake: plugin p@1",
      comment: "kiln",
    });
    expect(out.config.config?.Labels).toStrictEqual({ keep: "me", "dev.kiln.plugins": "p@1" });
    expect(out.config.unknownField).toStrictEqual({ kept: true });
    expect(out.config.created).toBe("2023-11-14T22:13:20Z");
    expect(out.manifest.annotations).toBeUndefined(); // Docker schema 2 has none
    expect(out.digest).toBe(sha256Digest(out.rawManifest));
  });

  it("appends to every platform of an index and keeps its media type and platforms", () => {
    const base = makeIndex({
      mediaType: MediaType.DOCKER_LIST,
      images: [baseImage("amd64"), baseImage("arm64")],
    });
    const out = appendLayers(base, [{ layer: added, createdBy: "x" }], { epoch: 0 });
    if (out.kind !== "index") throw new Error("index expected");
    expect(out.mediaType).toBe(MediaType.DOCKER_LIST);
    expect(out.index.manifests.map((m) => m.platform?.architecture)).toStrictEqual(["amd64", "arm64"]);
    expect(out.images.map((i) => i.layers.at(-1)?.descriptor.digest)).toStrictEqual([
      added.descriptor.digest,
      added.descriptor.digest,
    ]);
    // Same inputs, same digest.
    expect(appendLayers(base, [{ layer: added, createdBy: "x" }], { epoch: 0 }).digest).toBe(out.digest);
  });
});

describe("plugin layers and images", () => {
  it("bakes a plugin directory as it is laid out: Strimzi's <plugin>/<hash>/ comes from resolution", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-laid-out-"));
    await mkdir(join(dir, "0a1b2c3d"));
    await writeFile(join(dir, "0a1b2c3d", "a.jar"), "aaaa");
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const pl = await buildPluginLayer(
      { name: "p", version: "1", dir },
      { store, recipe: { compression: "gzip", level: 1, epoch: 0 } },
    );
    const names: string[] = [];
    const ex = extract();
    decompress(pl.layer.descriptor.mediaType, await pl.layer.open()).pipe(ex);
    for await (const e of ex) {
      names.push(e.header.name);
      e.resume();
    }
    expect(names).toStrictEqual([
      "opt/kafka/plugins/p/",
      "opt/kafka/plugins/p/0a1b2c3d/",
      "opt/kafka/plugins/p/0a1b2c3d/a.jar",
    ]);
  });

  it("makes a one-layer plugin image, an index when several platforms are asked for", () => {
    const single = pluginImage({ name: "p", version: "1", layer: added, epoch: 0 });
    expect(single.kind).toBe("image");
    if (single.kind !== "image") return;
    expect(single.manifest.layers).toHaveLength(1);
    expect(single.config.rootfs.diff_ids).toStrictEqual([added.diffId]);
    const multi = pluginImage({
      name: "p",
      version: "1",
      layer: added,
      epoch: 0,
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64", variant: "v8" },
      ],
    });
    expect(multi.kind === "index" && multi.index.manifests.map((m) => m.platform)).toStrictEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ]);
  });
});
