import { createHash } from "node:crypto";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import {
  type Digest,
  type Layer,
  MediaType,
  makeImage,
  PullPluginsError,
  parseReference,
  pullPlugins,
  pushArtifact,
  RegistryClient,
} from "@kiln/builder";
import { pack } from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { e2eDir } from "./support.js";

// pullPlugins (kiln's registry client reading an image back by digest) against the real
// registry, on hand-made layers: whiteouts, links, entries outside the plugins root, escapes.

type Entry = { name: string; body?: string; type?: "file" | "directory" | "symlink"; linkname?: string };

async function layer(entries: Entry[]): Promise<Layer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    if (type === "file") p.entry({ name: e.name, mode: 0o644 }, e.body ?? "");
    else p.entry({ name: e.name, type, mode: 0o755, ...(e.linkname ? { linkname: e.linkname } : {}) });
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  const gz = gzipSync(tar);
  const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}` as Digest;
  return {
    descriptor: { mediaType: MediaType.OCI_LAYER_GZIP, digest: sha(gz), size: gz.length },
    diffId: sha(tar),
    open: async () => Readable.from([gz]),
  };
}

async function pushImage(client: RegistryClient, ref: string, layers: Layer[]): Promise<string> {
  const image = makeImage({
    mediaType: MediaType.OCI_MANIFEST,
    config: {
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    },
    layers,
  });
  await pushArtifact(client, image, parseReference(ref));
  return image.digest;
}

describe("pullPlugins reads an image's plugin tree back by digest", () => {
  const registry = required("registryPlain");
  const client = new RegistryClient({ insecure: [registry] });
  afterAll(() => client.close());

  it("applies layers in order with whiteouts, keeps inner links, skips everything outside the root", async () => {
    const digest = await pushImage(client, `${registry}/pull/plugins:1`, [
      await layer([
        { name: "bin/tool", body: "not a plugin" },
        { name: "opt/kafka/libs/kafka.jar", body: "kafka" },
        { name: "opt/kafka/plugins/a/a.jar", body: "A" },
        { name: "opt/kafka/plugins/b/old.jar", body: "old" },
        { name: "opt/kafka/plugins/c/gone.jar", body: "gone" },
      ]),
      await layer([
        { name: "opt/kafka/plugins/a/lib", type: "directory" },
        { name: "opt/kafka/plugins/a/lib/link.jar", type: "symlink", linkname: "../a.jar" },
        { name: "opt/kafka/plugins/b/.wh.old.jar" },
        { name: "opt/kafka/plugins/b/new.jar", body: "new" },
        { name: "opt/kafka/plugins/c/.wh..wh..opq" },
        { name: "opt/kafka/plugins/c/fresh.jar", body: "fresh" },
      ]),
    ]);
    const dest = join(await e2eDir("pull"), "plugins");
    const pulled = await pullPlugins(client, parseReference(`${registry}/pull/plugins@${digest}`), dest);
    expect(pulled.digest).toBe(digest);
    expect(pulled.plugins).toStrictEqual(["a", "b", "c"]);
    expect(pulled.pluginLayers).toBe(2);
    expect(pulled.files.map((f) => f.path)).toStrictEqual([
      "a/a.jar",
      "a/lib/link.jar",
      "b/new.jar",
      "c/fresh.jar",
    ]);
    expect(await readFile(join(dest, "a/lib/link.jar"), "utf8")).toBe("A");
    expect(await readlink(join(dest, "a/lib/link.jar"))).toBe("../a.jar");
    expect(await readFile(join(dest, "b/new.jar"), "utf8")).toBe("new");
    await expect(lstat(join(dest, "b/old.jar"))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(dest, "c/gone.jar"))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(dest, "..", "bin"))).rejects.toThrow(/ENOENT/);
    const sha = createHash("sha256").update("fresh").digest("hex");
    expect(pulled.files.find((f) => f.path === "c/fresh.jar")).toStrictEqual({
      path: "c/fresh.jar",
      mode: 0o644,
      size: 5,
      sha256: sha,
    });
  });

  it("refuses a tag, a link out of the plugins directory, and a path that climbs out", async () => {
    const ok = await pushImage(client, `${registry}/pull/tagged:1`, [
      await layer([{ name: "opt/kafka/plugins/a/a.jar", body: "A" }]),
    ]);
    expect(ok).toMatch(/^sha256:/);
    const dir = await e2eDir("pull-bad");
    await expect(
      pullPlugins(client, parseReference(`${registry}/pull/tagged:1`), join(dir, "t")),
    ).rejects.toThrow(/by digest/);

    const outside = await pushImage(client, `${registry}/pull/escape:1`, [
      await layer([
        { name: "opt/kafka/plugins/a/passwd", type: "symlink", linkname: "../../../../etc/passwd" },
      ]),
    ]);
    const err = await pullPlugins(
      client,
      parseReference(`${registry}/pull/escape@${outside}`),
      join(dir, "e"),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(PullPluginsError);
    expect(String(err.message)).toMatch(/points outside the plugins directory/);

    const climb = await pushImage(client, `${registry}/pull/climb:1`, [
      await layer([{ name: "opt/kafka/plugins/../../../tmp/x.jar", body: "x" }]),
    ]);
    await expect(
      pullPlugins(client, parseReference(`${registry}/pull/climb@${climb}`), join(dir, "c")),
    ).rejects.toThrow(/climbs out/);
  });
});
