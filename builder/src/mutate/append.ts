import type { Digest } from "../model/digest.js";
import { type Artifact, type Image, type Layer, makeImage, makeIndex } from "../model/image.js";
import { layerMediaTypeFor, MediaType } from "../model/media.js";
import type { ConfigFile, History } from "../model/types.js";

/** A layer to append, with the history line that explains it. */
export interface Addendum {
  layer: Layer;
  createdBy: string;
}

export interface AppendOptions {
  /** Seconds since the epoch (SOURCE_DATE_EPOCH): the config's `created` and the history's. */
  epoch: number;
  /** Labels set on the config (and, for OCI manifests, as annotations). */
  labels?: Record<string, string>;
  compression?: "gzip" | "zstd";
}

function isoFromEpoch(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
}

/** The layer as this manifest family names it: same bytes, Docker or OCI media type. */
function retype(layer: Layer, manifestMediaType: string, compression: "gzip" | "zstd"): Layer {
  const mediaType = layerMediaTypeFor(manifestMediaType, compression);
  if (layer.descriptor.mediaType === mediaType) return layer;
  return { ...layer, descriptor: { ...layer.descriptor, mediaType } };
}

/**
 * Appends layers to one image: base manifest and config only are read (the
 * base's layers are carried as descriptors, never opened). The new config
 * appends diff_ids and history and sets the labels; `created` comes from the epoch.
 */
export function appendToImage(base: Image, add: Addendum[], opts: AppendOptions): Image {
  const compression = opts.compression ?? "gzip";
  // Docker schema 2 has no zstd layer type: zstd turns the result into an OCI manifest.
  const mediaType = compression === "zstd" ? MediaType.OCI_MANIFEST : base.mediaType;
  const created = isoFromEpoch(opts.epoch);
  const cfg = structuredClone(base.config) as ConfigFile;
  cfg.created = created;
  cfg.config = { ...(cfg.config ?? {}) };
  cfg.config.Labels = { ...(cfg.config.Labels ?? {}), ...(opts.labels ?? {}) };
  const history: History[] = [...(cfg.history ?? [])];
  for (const a of add) history.push({ created, created_by: a.createdBy, comment: "kiln" });
  cfg.history = history;
  cfg.rootfs = {
    type: "layers",
    diff_ids: [...base.config.rootfs.diff_ids, ...add.map((a) => a.layer.diffId as Digest)],
  };
  const layers = [...base.layers, ...add.map((a) => retype(a.layer, mediaType, compression))];
  return makeImage({
    mediaType,
    config: cfg,
    layers,
    ...(mediaType === MediaType.OCI_MANIFEST && opts.labels ? { annotations: opts.labels } : {}),
    ...(base.platform ? { platform: base.platform } : {}),
  });
}

/**
 * Appends the same layers to an image, or to every platform of an index; the
 * new index keeps the base index's media type and platforms. Layers are
 * shared, so a push uploads each once.
 */
export function appendLayers(base: Artifact, add: Addendum[], opts: AppendOptions): Artifact {
  if (base.kind === "image") return appendToImage(base, add, opts);
  const images = base.images.map((img) => appendToImage(img, add, opts));
  const mediaType = base.mediaType;
  return makeIndex({
    mediaType,
    images,
    ...(mediaType === MediaType.OCI_INDEX && opts.labels ? { annotations: opts.labels } : {}),
  });
}
