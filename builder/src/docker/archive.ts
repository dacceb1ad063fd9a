import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { KilnError } from "@kiln/schemas/core";
import { digestHex } from "../model/digest.js";
import type { Artifact, Image } from "../model/image.js";
import { type Platform, platformMatches, platformString } from "../model/types.js";

/** Picks the one platform image a `docker load` archive or a Docker engine can take. */
export function singleImage(a: Artifact, platform?: Platform): Image {
  if (a.kind === "image") return a;
  const want = platform ?? { os: "linux", architecture: process.arch === "arm64" ? "arm64" : "amd64" };
  const img = a.images.find((i) => platformMatches(want, i.platform));
  if (!img)
    throw new KilnError(
      `the image has no ${platformString(want)} variant (it has ${a.images.map((i) => platformString(i.platform)).join(", ")})`,
    );
  return img;
}

/**
 * Streams a `docker load` archive: `manifest.json` (Docker's format) naming
 * the config and the compressed layers — docker decompresses them itself —
 * plus `index.json`/`oci-layout` so the same file is an OCI layout tarball.
 */
export async function dockerArchiveStream(img: Image, repoTags: string[]): Promise<Readable> {
  // Loaded with the first archive: a bake that writes none (a push) starts 5 ms sooner.
  const { pack } = await import("tar-stream");
  const p = pack();
  const mtime = new Date(0);
  const add = (name: string, data: Buffer) =>
    new Promise<void>((res, rej) => p.entry({ name, mtime, mode: 0o644 }, data, (e) => (e ? rej(e) : res())));
  (async () => {
    const blob = (d: string) => `blobs/sha256/${digestHex(d as `sha256:${string}`)}`;
    await add("oci-layout", Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
    await add(blob(img.manifest.config.digest), img.rawConfig);
    const seen = new Set<string>();
    for (const l of img.layers) {
      if (seen.has(l.descriptor.digest)) continue;
      seen.add(l.descriptor.digest);
      const src = await l.open();
      await new Promise<void>((res, rej) => {
        const sink = p.entry(
          { name: blob(l.descriptor.digest), size: l.descriptor.size, mtime, mode: 0o644 },
          (e) => (e ? rej(e) : res()),
        );
        src.on("error", (e) => {
          sink.destroy(e);
          rej(e);
        });
        src.pipe(sink);
      });
    }
    await add(blob(img.digest), img.rawManifest);
    const ann = repoTags[0]
      ? {
          annotations: {
            "io.containerd.image.name": repoTags[0],
            "org.opencontainers.image.ref.name": repoTags[0].split(":").pop() ?? "",
          },
        }
      : {};
    await add(
      "index.json",
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [{ mediaType: img.mediaType, digest: img.digest, size: img.rawManifest.length, ...ann }],
        }),
      ),
    );
    await add(
      "manifest.json",
      Buffer.from(
        JSON.stringify([
          {
            Config: blob(img.manifest.config.digest),
            RepoTags: repoTags,
            Layers: img.layers.map((l) => blob(l.descriptor.digest)),
          },
        ]),
      ),
    );
    p.finalize();
  })().catch((e) => p.destroy(e));
  return p as unknown as Readable;
}

/** Writes a `docker load`-able archive to `file` (temp file, then rename). */
export async function writeDockerArchive(file: string, img: Image, repoTags: string[]): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await pipeline(await dockerArchiveStream(img, repoTags), createWriteStream(tmp));
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
