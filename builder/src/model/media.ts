/** Media types kiln reads and writes (OCI image spec 1.1 and Docker image manifest v2 schema 2). */
export const MediaType = {
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  OCI_LAYER_GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
  OCI_LAYER_ZSTD: "application/vnd.oci.image.layer.v1.tar+zstd",
  OCI_LAYER: "application/vnd.oci.image.layer.v1.tar",
  OCI_EMPTY: "application/vnd.oci.empty.v1+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  DOCKER_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
  DOCKER_LAYER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  CYCLONEDX: "application/vnd.cyclonedx+json",
} as const;

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OCI_INDEX || mt === MediaType.DOCKER_LIST;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OCI_MANIFEST || mt === MediaType.DOCKER_MANIFEST;
}

/** Every manifest type the registry client accepts, for `Accept`. */
export const MANIFEST_ACCEPT = [
  MediaType.OCI_INDEX,
  MediaType.OCI_MANIFEST,
  MediaType.DOCKER_LIST,
  MediaType.DOCKER_MANIFEST,
].join(", ");

/** The layer media type that matches a manifest's family (a Docker manifest must name Docker layers). */
export function layerMediaTypeFor(manifestMediaType: string, compression: "gzip" | "zstd"): string {
  if (compression === "zstd") return MediaType.OCI_LAYER_ZSTD;
  return manifestMediaType === MediaType.DOCKER_MANIFEST
    ? MediaType.DOCKER_LAYER_GZIP
    : MediaType.OCI_LAYER_GZIP;
}

export function configMediaTypeFor(manifestMediaType: string): string {
  return manifestMediaType === MediaType.DOCKER_MANIFEST ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG;
}
