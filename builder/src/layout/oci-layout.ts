import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KilnError } from "@kiln/schemas/core";
import type { Digest } from "../model/digest.js";
import { type Artifact, descriptorOf, type Image, imageFromParts, type Layer } from "../model/image.js";
import { isIndexMediaType } from "../model/media.js";
import type { Descriptor, Index, Manifest } from "../model/types.js";
import { BlobStore } from "./blob-store.js";

const REF_NAME = "org.opencontainers.image.ref.name";

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Writes an artifact into an OCI image layout directory (blobs content-
 * addressed, each written to a temp file and renamed), and names it in
 * `index.json` under `refName`. A base's layers are read here — a layout is a
 * complete image — unless they are already in the directory.
 */
export async function writeLayout(
  dir: string,
  artifact: Artifact,
  opts: { refName?: string } = {},
): Promise<Descriptor> {
  const store = new BlobStore(dir);
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeAtomic(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const images: Image[] = artifact.kind === "image" ? [artifact] : [...artifact.images];
  const seen = new Set<Digest>();
  for (const img of images) {
    for (const l of img.layers) {
      if (seen.has(l.descriptor.digest)) continue;
      seen.add(l.descriptor.digest);
      if (!(await store.has(l.descriptor.digest)))
        await store.writeStream(l.descriptor.digest, await l.open());
    }
    await store.writeBytes(img.rawConfig);
    await store.writeBytes(img.rawManifest);
  }
  if (artifact.kind === "index") await store.writeBytes(artifact.rawManifest);
  const desc: Descriptor = {
    ...descriptorOf(artifact),
    ...(opts.refName ? { annotations: { [REF_NAME]: opts.refName } } : {}),
  };
  const indexPath = join(dir, "index.json");
  const existing = await readFile(indexPath, "utf8").then(
    (t) => {
      try {
        const index = JSON.parse(t) as Index;
        if (Array.isArray(index?.manifests)) return index;
      } catch {}
      throw new KilnError(
        "is not an OCI image index; kiln adds to an existing layout, so remove it or write somewhere else",
        { location: { file: indexPath } },
      );
    },
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw new KilnError(`cannot read the layout's index (${err.code ?? err.message})`, {
        location: { file: indexPath },
      });
    },
  );
  const manifests = (existing?.manifests ?? []).filter(
    (d) => !(opts.refName && d.annotations?.[REF_NAME] === opts.refName) && d.digest !== desc.digest,
  );
  manifests.push(desc);
  const index: Index = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests };
  await writeAtomic(indexPath, JSON.stringify(index, null, 2));
  return desc;
}

/** Reads an artifact back from a layout by ref name (or the only entry). */
export async function readLayout(dir: string, refName?: string): Promise<Artifact> {
  const store = new BlobStore(dir);
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as Index;
  const entry = refName
    ? index.manifests.find((d) => d.annotations?.[REF_NAME] === refName)
    : index.manifests[0];
  if (!entry) throw new KilnError(`OCI layout ${dir} has no image${refName ? ` named ${refName}` : ""}`);
  const loadImage = async (d: Descriptor): Promise<Image> => {
    const raw = await store.read(d.digest);
    const m = JSON.parse(raw.toString("utf8")) as Manifest;
    const rawConfig = await store.read(m.config.digest);
    const diffIds = (JSON.parse(rawConfig.toString("utf8")) as { rootfs: { diff_ids: Digest[] } }).rootfs
      .diff_ids;
    const layers: Layer[] = m.layers.map((ld, i) => ({
      descriptor: ld,
      diffId: diffIds[i] as Digest,
      open: async () => store.open(ld.digest),
    }));
    return imageFromParts({
      rawManifest: raw,
      rawConfig,
      layers,
      ...(d.platform ? { platform: d.platform } : {}),
    });
  };
  if (!isIndexMediaType(entry.mediaType)) return loadImage(entry);
  const raw = await store.read(entry.digest);
  const idx = JSON.parse(raw.toString("utf8")) as Index;
  const images = await Promise.all(idx.manifests.map(loadImage));
  return {
    kind: "index",
    mediaType: entry.mediaType,
    index: idx,
    rawManifest: raw,
    digest: entry.digest,
    images,
  };
}
