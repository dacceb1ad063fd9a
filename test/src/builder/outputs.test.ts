import {
  BlobStore,
  bake,
  buildPluginLayer,
  descriptorOf,
  fetchArtifact,
  generateSbom,
  listReferrers,
  MediaType,
  parseReference,
  planPush,
  pluginImage,
  pushArtifact,
  pushReferrer,
  RegistryClient,
  resolveFiles,
  stageReferrer,
} from "@kiln/builder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { makePlugin, pushBase, tempDir } from "./fixtures.js";

const recipe = { compression: "gzip" as const, level: 1, epoch: 1_700_000_000 };

describe("planner, plugin images and SBOM referrers on the plain registry", () => {
  const host = required("registryPlain");
  const client = new RegistryClient({ insecure: [host] });
  let store: BlobStore;
  let plugins: Awaited<ReturnType<typeof makePlugin>>[];

  beforeAll(async () => {
    store = new BlobStore(await tempDir("out-cache"));
    await pushBase(client, `${host}/out/kafka:1`);
    plugins = [
      await makePlugin("jdbc-sink", "10.8.0", { "kafka-connect-jdbc-10.8.0.jar": 100_000 }),
      await makePlugin("http-source", "0.9.1", {
        "http-source-0.9.1.jar": 80_000,
        "lib/okhttp-4.12.0.jar": 40_000,
      }),
    ];
  });
  afterAll(() => client.close());

  it("plans the upload, then finds nothing to do once pushed; a changed plugin uploads only its layer", async () => {
    const target = parseReference(`${host}/out/connect:1`);
    const first = await bake(client, store, { base: `${host}/out/kafka:1`, plugins, recipe });
    const plan = await planPush(client, first.artifact, target);
    expect(plan.upToDate).toBe(false);
    expect(plan.blobs.filter((b) => b.action === "mount")).toHaveLength(2);
    expect(plan.blobs.filter((b) => b.action === "upload")).toHaveLength(3);
    const pushed = await pushArtifact(client, first.artifact, target);
    expect(pushed.uploadedBytes).toBe(plan.uploadBytes);

    const noop = await planPush(client, first.artifact, target);
    expect(noop).toMatchObject({ upToDate: true, uploadBytes: 0, current: first.artifact.digest });

    const changed = [
      plugins[0],
      await makePlugin("http-source", "0.9.2", { "http-source-0.9.2.jar": 81_000 }),
    ];
    const second = await bake(client, store, {
      base: `${host}/out/kafka:1`,
      plugins: changed as typeof plugins,
      recipe,
    });
    const plan2 = await planPush(client, second.artifact, target);
    const uploads = plan2.blobs.filter((b) => b.action === "upload");
    // The new plugin layer and the new config only.
    expect(uploads).toHaveLength(2);
    const result = await pushArtifact(client, second.artifact, target);
    expect(result.uploadedBytes).toBe(plan2.uploadBytes);
  });

  it("packages a plugin as its own one-layer image, files at the root, one index for two platforms", async () => {
    const p = plugins[1];
    if (!p) throw new Error("fixture");
    const pl = await buildPluginLayer(p, { store, recipe, root: "" });
    const art = pluginImage({
      name: p.name,
      version: p.version,
      layer: pl.layer,
      epoch: recipe.epoch,
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
    });
    expect(art.kind).toBe("index");
    const ref = parseReference(`${host}/plugins/http-source:0.9.1`);
    const pushed = await pushArtifact(client, art, ref);
    // One layer and two configs.
    expect(pushed.blobs.uploaded).toBe(3);
    const back = await fetchArtifact(client, ref);
    if (back.kind !== "index") throw new Error("expected an index");
    for (const img of back.images) {
      expect(img.layers).toHaveLength(1);
      expect(img.config.config?.Labels?.["org.opencontainers.image.version"]).toBe("0.9.1");
    }
  });

  it("attaches a CycloneDX SBOM as a referrer (tag-schema fallback on distribution 2.8)", async () => {
    const result = await bake(client, store, { base: `${host}/out/kafka:1`, plugins, recipe });
    const target = parseReference(`${host}/out/connect:sbom`);
    await pushArtifact(client, result.artifact, target);
    const sbom = generateSbom({
      image: { name: `${host}/out/connect`, digest: result.artifact.digest },
      plugins: result.plugins,
      epoch: recipe.epoch,
    });
    const http = sbom.components.find((c) => c.name === "http-source") as {
      components: Array<Record<string, unknown>>;
    };
    const files = await resolveFiles(plugins[1] as (typeof plugins)[number]);
    expect(http.components.map((c) => [c.name, c.version])).toStrictEqual([
      ["http-source", "0.9.1"],
      ["okhttp", "4.12.0"],
    ]);
    expect(
      (http.components[0] as { hashes: Array<{ alg: string; content: string }> }).hashes[0],
    ).toStrictEqual({
      alg: "SHA-256",
      content: files.find((f) => f.path === "http-source-0.9.1.jar")?.sha256,
    });
    // Same image → same document, byte for byte.
    const again = generateSbom({
      image: { name: `${host}/out/connect`, digest: result.artifact.digest },
      plugins: result.plugins,
      epoch: recipe.epoch,
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(sbom));

    const ref = await pushReferrer(client, target, descriptorOf(result.artifact), {
      artifactType: MediaType.CYCLONEDX,
      data: Buffer.from(JSON.stringify(sbom)),
      title: "sbom.cdx.json",
    });
    expect(ref.via).toBe("tag-schema");
    const referrers = await listReferrers(client, target, result.artifact.digest);
    expect(referrers.map((d) => [d.digest, d.artifactType])).toStrictEqual([
      [ref.digest, MediaType.CYCLONEDX],
    ]);
    // A second document, staged: its blobs are up, but nothing lists it until its commit, which keeps the first.
    const staged = await stageReferrer(client, target, descriptorOf(result.artifact), {
      artifactType: "application/vnd.example.attestation+json",
      data: Buffer.from('{"verified":true}'),
      title: "attestation.json",
    });
    const listed = async () =>
      (await listReferrers(client, target, result.artifact.digest)).map((d) => d.digest);
    expect(await listed()).toStrictEqual([ref.digest]);
    const second = await staged.commit();
    expect(second.via).toBe("tag-schema");
    expect(await listed()).toStrictEqual([ref.digest, second.digest]);
    // The image's tag still names the image.
    expect((await planPush(client, result.artifact, target)).upToDate).toBe(true);
  });
});
