import type { Artifact, Image, Layer } from "../model/image.js";
import { makeImage, makeIndex } from "../model/image.js";
import { MediaType } from "../model/media.js";
import type { ConfigFile, Platform } from "../model/types.js";

/**
 * A plugin as its own image (one layer, no base): the plugin's files at the
 * image root, for Strimzi 1.x `spec.plugins[]` with `type: image`, which
 * mounts the image at `/opt/kafka/plugins/<name>/<hash>`. Jars are
 * architecture-independent, so several platforms share the one layer in an index.
 */
export function pluginImage(opts: {
  name: string;
  version: string;
  layer: Layer;
  epoch: number;
  platforms?: Platform[];
  labels?: Record<string, string>;
}): Artifact {
  const created = new Date(opts.epoch * 1000).toISOString().replace(".000Z", "Z");
  const labels = {
    "org.opencontainers.image.title": opts.name,
    "org.opencontainers.image.version": opts.version,
    "org.opencontainers.image.created": created,
    ...(opts.labels ?? {}),
  };
  const platforms = opts.platforms?.length ? opts.platforms : [{ os: "linux", architecture: "amd64" }];
  const images: Image[] = platforms.map((p) => {
    const config: ConfigFile = {
      architecture: p.architecture,
      os: p.os,
      ...(p.variant ? { variant: p.variant } : {}),
      created,
      config: { Labels: labels },
      rootfs: { type: "layers", diff_ids: [opts.layer.diffId] },
      history: [{ created, created_by: `kiln plugin image: ${opts.name}@${opts.version}`, comment: "kiln" }],
    };
    return makeImage({
      mediaType: MediaType.OCI_MANIFEST,
      config,
      layers: [opts.layer],
      annotations: labels,
      platform: p,
    });
  });
  if (images.length === 1) return images[0] as Image;
  return makeIndex({ mediaType: MediaType.OCI_INDEX, images, annotations: labels });
}
