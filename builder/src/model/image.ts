import type { Readable } from "node:stream";
import { type Digest, sha256Digest } from "./digest.js";
import { MediaType } from "./media.js";
import type { ConfigFile, Descriptor, Index, Manifest, Platform } from "./types.js";

/** Bytes that can be (re)opened on demand: a layer is read only when a sink needs it. */
export interface Blob {
  readonly descriptor: Descriptor;
  open(): Promise<Readable>;
}

/** Where a blob already lives, so a push to the same registry can mount it instead of uploading. */
export interface BlobOrigin {
  registry: string;
  repository: string;
}

export interface Layer extends Blob {
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  readonly diffId: Digest;
  readonly origin?: BlobOrigin;
}

/** One platform's image: manifest and config held as the exact bytes that are pushed. */
export interface Image {
  readonly kind: "image";
  readonly mediaType: string;
  readonly manifest: Manifest;
  readonly rawManifest: Buffer;
  readonly digest: Digest;
  readonly config: ConfigFile;
  readonly rawConfig: Buffer;
  readonly layers: readonly Layer[];
  /** Further blobs the manifest names besides config and layers (none for images kiln assembles). */
  readonly platform?: Platform;
}

export interface ImageIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly index: Index;
  readonly rawManifest: Buffer;
  readonly digest: Digest;
  /** The platform images, in the index's order. */
  readonly images: readonly Image[];
}

export type Artifact = Image | ImageIndex;

export function descriptorOf(a: Artifact): Descriptor {
  return { mediaType: a.mediaType, digest: a.digest, size: a.rawManifest.length };
}

/** Serialises JSON the one way kiln does (no whitespace, insertion order): the bytes whose digest is the identity. */
export function canonicalJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

/**
 * Builds an image from a config and its layers. The manifest's family (OCI or
 * Docker) is `mediaType`; layer descriptors come from the layers themselves.
 */
export function makeImage(opts: {
  mediaType: string;
  config: ConfigFile;
  rawConfig?: Buffer;
  layers: Layer[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  platform?: Platform;
}): Image {
  const rawConfig = opts.rawConfig ?? canonicalJson(opts.config);
  const configMediaType =
    opts.mediaType === MediaType.DOCKER_MANIFEST ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: opts.mediaType,
    config: { mediaType: configMediaType, digest: sha256Digest(rawConfig), size: rawConfig.length },
    layers: opts.layers.map((l) => ({ ...l.descriptor })),
  };
  if (opts.subject) manifest.subject = opts.subject;
  if (opts.annotations && Object.keys(opts.annotations).length > 0) manifest.annotations = opts.annotations;
  return imageFromParts({
    rawManifest: canonicalJson(manifest),
    rawConfig,
    layers: opts.layers,
    ...(opts.platform ? { platform: opts.platform } : {}),
  });
}

/** Wraps already-serialised manifest and config bytes (e.g. fetched from a registry) without re-encoding them. */
export function imageFromParts(parts: {
  rawManifest: Buffer;
  rawConfig: Buffer;
  layers: Layer[];
  platform?: Platform;
}): Image {
  const manifest = JSON.parse(parts.rawManifest.toString("utf8")) as Manifest;
  const config = JSON.parse(parts.rawConfig.toString("utf8")) as ConfigFile;
  if (manifest.layers.length !== parts.layers.length)
    throw new Error(`manifest names ${manifest.layers.length} layers, ${parts.layers.length} given`);
  const platform: Platform | undefined =
    parts.platform ??
    (config.architecture && config.os
      ? {
          os: config.os,
          architecture: config.architecture,
          ...(config.variant ? { variant: config.variant } : {}),
        }
      : undefined);
  return {
    kind: "image",
    mediaType: manifest.mediaType ?? MediaType.OCI_MANIFEST,
    manifest,
    rawManifest: parts.rawManifest,
    digest: sha256Digest(parts.rawManifest),
    config,
    rawConfig: parts.rawConfig,
    layers: parts.layers,
    ...(platform ? { platform } : {}),
  };
}

/** An index over platform images; each entry carries the image's platform. */
export function makeIndex(opts: {
  mediaType: string;
  images: Image[];
  annotations?: Record<string, string>;
}): ImageIndex {
  const index: Index = {
    schemaVersion: 2,
    mediaType: opts.mediaType,
    manifests: opts.images.map((img) => ({
      mediaType: img.mediaType,
      digest: img.digest,
      size: img.rawManifest.length,
      ...(img.platform ? { platform: img.platform } : {}),
    })),
  };
  if (opts.annotations && Object.keys(opts.annotations).length > 0) index.annotations = opts.annotations;
  const rawManifest = canonicalJson(index);
  return {
    kind: "index",
    mediaType: opts.mediaType,
    index,
    rawManifest,
    digest: sha256Digest(rawManifest),
    images: opts.images,
  };
}

/** Every distinct layer of an artifact (a layer shared by platforms appears once). */
export function uniqueLayers(a: Artifact): Layer[] {
  const images = a.kind === "image" ? [a] : a.images;
  const seen = new Map<string, Layer>();
  for (const img of images)
    for (const l of img.layers) if (!seen.has(l.descriptor.digest)) seen.set(l.descriptor.digest, l);
  return [...seen.values()];
}
