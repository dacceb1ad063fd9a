import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  BlobPresence,
  BlobStore,
  bake,
  eagerUpload,
  fetchArtifact,
  headManifest,
  KILN_PLUGINS_LABEL,
  MediaType,
  parseReference,
  pushArtifact,
  RegistryClient,
  readLayout,
  writeLayout,
} from "@kiln/builder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { makePlugin, pushBase, tempDir } from "./fixtures.js";

const recipe = { compression: "gzip" as const, level: 1, epoch: 1_700_000_000 };

describe("bake against the plain registry", () => {
  const host = required("registryPlain");
  const client = new RegistryClient({ insecure: [host] });
  let store: BlobStore;
  let plugins: Awaited<ReturnType<typeof makePlugin>>[];

  beforeAll(async () => {
    store = new BlobStore(await tempDir("cache"));
    await pushBase(client, `${host}/strimzi/kafka:single`);
    await pushBase(client, `${host}/strimzi/kafka:multi`, { multiArch: true });
    await pushBase(client, `${host}/strimzi/kafka:docker`, { docker: true, multiArch: true });
    plugins = [
      await makePlugin("jdbc-sink", "10.8.0", {
        "kafka-connect-jdbc.jar": 300_000,
        "lib/postgresql.jar": 120_000,
      }),
      await makePlugin("debezium-postgres", "3.3.1", {
        "debezium-core.jar": 200_000,
        "debezium-connector-postgres.jar": 90_000,
      }),
    ];
  });
  afterAll(() => client.close());

  it("appends one layer per plugin, mounts the base's layers and pushes nothing twice", async () => {
    const result = await bake(client, store, {
      base: `${host}/strimzi/kafka:single`,
      plugins,
      recipe,
      source: "https://example.com/kiln",
      revision: "abc123",
    });
    const img = result.artifact;
    if (img.kind !== "image") throw new Error("expected an image");
    expect(img.layers).toHaveLength(4);
    expect(img.config.rootfs.diff_ids).toHaveLength(4);
    expect(img.config.history?.slice(-2).map((h) => h.created_by)).toStrictEqual([
      "kiln bake: plugin debezium-postgres@3.3.1",
      "kiln bake: plugin jdbc-sink@10.8.0",
    ]);
    expect(img.config.config?.Labels).toMatchObject({
      "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
      "org.opencontainers.image.source": "https://example.com/kiln",
      "org.opencontainers.image.revision": "abc123",
      "org.opencontainers.image.base.name": `${host}/strimzi/kafka:single`,
      "org.opencontainers.image.base.digest": result.base.digest,
      "org.opencontainers.image.title": "fake kafka",
      [KILN_PLUGINS_LABEL]: "debezium-postgres@3.3.1,jdbc-sink@10.8.0",
    });
    expect(img.config.config?.User).toBe("1001");

    const target = parseReference(`${host}/team/connect:1`);
    const pushed = await pushArtifact(client, img, target);
    expect(pushed.digest).toBe(img.digest);
    // The base's two layers were mounted from strimzi/kafka, never downloaded or uploaded.
    expect(pushed.blobs).toStrictEqual({ uploaded: 3, mounted: 2, existing: 0 });
    const pluginBytes = img.layers.slice(2).reduce((n, l) => n + l.descriptor.size, 0);
    expect(pushed.uploadedBytes).toBe(pluginBytes + img.rawConfig.length);

    // The registry serves exactly what was pushed.
    expect((await headManifest(client, target))?.digest).toBe(img.digest);
    const back = await fetchArtifact(client, target);
    expect(back.digest).toBe(img.digest);

    // Rebuild with unchanged inputs: the same digest, layers from the cache, and nothing uploaded.
    const again = await bake(client, store, {
      base: `${host}/strimzi/kafka:single`,
      plugins,
      recipe,
      source: "https://example.com/kiln",
      revision: "abc123",
    });
    expect(again.artifact.digest).toBe(img.digest);
    expect(again.plugins.every((p) => p.cached)).toBe(true);
    const second = await pushArtifact(client, again.artifact, target);
    expect(second.uploadedBytes).toBe(0);
    expect(second.blobs).toStrictEqual({ uploaded: 0, mounted: 0, existing: 5 });
  });

  it("bakes a two-platform index: same plugin layers on each platform, uploaded once, media type and platforms kept", async () => {
    const result = await bake(client, store, { base: `${host}/strimzi/kafka:multi`, plugins, recipe });
    const idx = result.artifact;
    if (idx.kind !== "index") throw new Error("expected an index");
    expect(idx.mediaType).toBe(MediaType.OCI_INDEX);
    expect(idx.index.manifests.map((m) => m.platform)).toStrictEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    const [amd, arm] = idx.images;
    expect(amd?.layers.slice(2).map((l) => l.descriptor.digest)).toStrictEqual(
      arm?.layers.slice(2).map((l) => l.descriptor.digest),
    );
    const pushed = await pushArtifact(client, idx, parseReference(`${host}/team/multi:1`));
    // Into a fresh repository: 2 plugin layers once + 2 configs uploaded; the 2 base layers mounted once each.
    expect(pushed.blobs).toStrictEqual({ uploaded: 4, mounted: 2, existing: 0 });
    const back = await fetchArtifact(client, parseReference(`${host}/team/multi:1`));
    expect(back.kind).toBe("index");
    expect(back.digest).toBe(idx.digest);
  });

  it("keeps only the platforms asked for from a multi-arch base", async () => {
    const result = await bake(client, store, {
      base: `${host}/strimzi/kafka:multi`,
      plugins,
      recipe,
      platforms: [{ os: "linux", architecture: "arm64" }],
    });
    const idx = result.artifact;
    if (idx.kind !== "index") throw new Error("expected an index");
    expect(idx.index.manifests.map((m) => m.platform)).toStrictEqual([
      { os: "linux", architecture: "arm64" },
    ]);
    await expect(
      bake(client, store, {
        base: `${host}/strimzi/kafka:multi`,
        plugins,
        recipe,
        platforms: [{ os: "linux", architecture: "s390x" }],
      }),
    ).rejects.toThrow(/has no manifest for linux\/s390x/);
  });

  it("keeps Docker schema 2 media types when the base uses them", async () => {
    const result = await bake(client, store, { base: `${host}/strimzi/kafka:docker`, plugins, recipe });
    const idx = result.artifact;
    if (idx.kind !== "index") throw new Error("expected an index");
    expect(idx.mediaType).toBe(MediaType.DOCKER_LIST);
    for (const img of idx.images) {
      expect(img.mediaType).toBe(MediaType.DOCKER_MANIFEST);
      expect(img.manifest.config.mediaType).toBe(MediaType.DOCKER_CONFIG);
      expect(new Set(img.layers.map((l) => l.descriptor.mediaType))).toStrictEqual(
        new Set([MediaType.DOCKER_LAYER_GZIP]),
      );
    }
    const pushed = await pushArtifact(client, idx, parseReference(`${host}/team/connect:docker`), {
      chunkSize: 64 * 1024,
    });
    expect((await headManifest(client, parseReference(`${host}/team/connect:docker`)))?.digest).toBe(
      pushed.digest,
    );
  });

  it("streams fresh layers to the registry while making them (one pass); the push then finds them there", async () => {
    const fresh = [
      await makePlugin("eager", "1.0.0", { "eager-1.0.0.jar": 2_000_000, "lib/dep.jar": 500_000 }),
    ];
    const target = parseReference(`${host}/team/eager:1`);
    const cold = new BlobStore(await tempDir("eager-cache"));
    const r = await bake(client, cold, {
      base: `${host}/strimzi/kafka:single`,
      plugins: fresh,
      recipe,
      eager: eagerUpload(client, target),
    });
    expect(r.plugins.map((p) => p.eagerUploaded)).toStrictEqual([true]);
    const pushed = await pushArtifact(client, r.artifact, target);
    // The layer was there already; only the config went up, the base was mounted.
    expect(pushed.blobs).toStrictEqual({ uploaded: 1, mounted: 2, existing: 1 });
    expect((await fetchArtifact(client, target)).digest).toBe(r.artifact.digest);
  });

  it("with a presence, answers for a streamed layer come from its commit; the push then uploads only the config", async () => {
    const fresh = [await makePlugin("overlapped", "1.0.0", { "overlapped-1.0.0.jar": 3_000_000 })];
    const target = parseReference(`${host}/team/overlapped:1`);
    const presence = new BlobPresence(client, target);
    const r = await bake(client, new BlobStore(await tempDir("overlapped-cache")), {
      base: `${host}/strimzi/kafka:single`,
      plugins: fresh,
      recipe: { ...recipe, level: 0 },
      eager: eagerUpload(client, target, presence),
      keepLocal: false,
    });
    const layer = r.plugins[0]?.layer.descriptor.digest as `sha256:${string}`;
    await expect(presence.has(layer)).resolves.toBe(true);
    // A presence of its own asks the registry itself: the commit is done.
    expect(await new BlobPresence(client, target).has(layer)).toBe(true);
    // Only the config goes up: the layer is known present without a check of its own.
    const pushed = await pushArtifact(client, r.artifact, target, { presence });
    expect(pushed.blobs).toStrictEqual({ uploaded: 1, mounted: 2, existing: 1 });
    expect((await fetchArtifact(client, target)).digest).toBe(r.artifact.digest);
  });

  it("keepLocal false: a streamed layer is not cached, and a later push elsewhere makes it again from its files", async () => {
    const fresh = [await makePlugin("pushed-only", "1.0.0", { "pushed-only-1.0.0.jar": 1_500_000 })];
    const target = parseReference(`${host}/team/pushed-only:1`);
    const cache = new BlobStore(await tempDir("pushed-only-cache"));
    const r = await bake(client, cache, {
      base: `${host}/strimzi/kafka:single`,
      plugins: fresh,
      recipe,
      eager: eagerUpload(client, target),
      keepLocal: false,
    });
    const layer = r.plugins[0]?.layer.descriptor.digest as `sha256:${string}`;
    expect(r.plugins.map((p) => p.eagerUploaded)).toStrictEqual([true]);
    expect(await cache.has(layer)).toBe(false);
    expect((await pushArtifact(client, r.artifact, target)).blobs).toStrictEqual({
      uploaded: 1,
      mounted: 2,
      existing: 1,
    });
    // The next bake finds the layer by its files alone; a push to another repository needs its
    // bytes, which are made again, byte for byte, and pulled back under the same digest.
    const next = await bake(client, cache, { base: `${host}/strimzi/kafka:single`, plugins: fresh, recipe });
    expect(next.artifact.digest).toBe(r.artifact.digest);
    expect(next.plugins.map((p) => p.cached)).toStrictEqual([true]);
    const elsewhere = parseReference(`${host}/other/pushed-only:1`);
    expect((await pushArtifact(client, next.artifact, elsewhere)).blobs).toMatchObject({ uploaded: 2 });
    expect(await cache.has(layer)).toBe(true);
    const back = await fetchArtifact(client, elsewhere);
    expect(back.digest).toBe(r.artifact.digest);
    if (back.kind !== "image") throw new Error("expected an image");
    const pulled = await back.layers.at(-1)?.open();
    const chunks: Buffer[] = [];
    for await (const c of pulled ?? []) chunks.push(c as Buffer);
    expect(`sha256:${createHash("sha256").update(Buffer.concat(chunks)).digest("hex")}`).toBe(layer);
  });

  it("writes an OCI layout that reads back to the same digest", async () => {
    const result = await bake(client, store, { base: `${host}/strimzi/kafka:single`, plugins, recipe });
    const dir = await tempDir("layout");
    const desc = await writeLayout(dir, result.artifact, { refName: "connect:1" });
    expect(desc.digest).toBe(result.artifact.digest);
    expect(JSON.parse(await readFile(`${dir}/oci-layout`, "utf8"))).toStrictEqual({
      imageLayoutVersion: "1.0.0",
    });
    const back = await readLayout(dir, "connect:1");
    expect(back.digest).toBe(result.artifact.digest);
    // Every blob is there, content-addressed.
    const layoutStore = new BlobStore(dir);
    if (back.kind !== "image") throw new Error("expected an image");
    for (const l of back.layers) expect(await layoutStore.has(l.descriptor.digest)).toBe(true);
  });

  it("fails clearly when the base does not exist", async () => {
    await expect(
      bake(client, store, { base: `${host}/strimzi/kafka:nope`, plugins, recipe }),
    ).rejects.toThrow(`image ${host}/strimzi/kafka:nope was not found in the registry`);
  });
});
