// The builder: a pure image model, sources and sinks named for a place, and bake/plan on top.
// The Docker engine sink (dockerode, ssh2) is `@kiln/builder/docker`, loaded only by what uses it.
export { BakeError, type BakeInput, type BakeResult, bake, bakeLabels, KILN_PLUGINS_LABEL } from "./bake.js";
export { dockerArchiveStream, singleImage, writeDockerArchive } from "./docker/archive.js";
export { DigestTable, digestFile, FileDigestCache } from "./layer/digest-cache.js";
export {
  type PluginFile,
  type PluginSource,
  PluginSourceError,
  type ResolvedFile,
  resolveFiles,
} from "./layer/source.js";
export {
  checkLevel,
  DEFAULT_RECIPE,
  decompress,
  type EagerSink,
  effectiveLevel,
  entriesUnder,
  type LayerEntry,
  type LayerRecipe,
  layerKey,
  recipeFromEnv,
  storedLayer,
  UnsupportedCompressionError,
  writeLayer,
  zstdSupported,
} from "./layer/writer.js";
export { BlobStore } from "./layout/blob-store.js";
export { readLayout, writeLayout } from "./layout/oci-layout.js";
export { type Digest, isDigest, parseDigest, sha256Digest } from "./model/digest.js";
export {
  type Artifact,
  type Blob,
  canonicalJson,
  descriptorOf,
  type Image,
  type ImageIndex,
  imageFromParts,
  type Layer,
  makeImage,
  makeIndex,
  uniqueLayers,
} from "./model/image.js";
export { isIndexMediaType, isManifestMediaType, MediaType } from "./model/media.js";
export {
  type ConfigFile,
  type Descriptor,
  type Index,
  type Manifest,
  type Platform,
  parsePlatform,
  platformString,
} from "./model/types.js";
export { type Addendum, appendLayers, appendToImage } from "./mutate/append.js";
export { pluginImage } from "./mutate/plugin-image.js";
export { buildPluginLayer, PLUGINS_ROOT, type PluginLayer } from "./mutate/plugins.js";
export { type BlobPlan, type PushPlan, planPush } from "./plan/plan.js";
export { type ClientOptions, RegistryClient } from "./remote/client.js";
export {
  type CredentialSource,
  type Credentials,
  dockerConfigCredentials,
  parseChallenge,
  staticCredentials,
} from "./remote/credentials.js";
export { RegistryError } from "./remote/errors.js";
export {
  type PulledFile,
  type PulledPlugins,
  PullPluginsError,
  type PullPluginsOptions,
  pullPlugins,
} from "./remote/pull-plugins.js";
export { fetchArtifact, getManifest, headManifest, ImageNotFoundError } from "./remote/read.js";
export { formatReference, parseReference, type Reference } from "./remote/reference.js";
export {
  BlobPresence,
  blobsOf,
  eagerUpload,
  PushError,
  type PushEvent,
  type PushResult,
  pushArtifact,
  Writer,
} from "./remote/write.js";
export { type CycloneDx, generateSbom, jarCoordinates } from "./sbom/cyclonedx.js";
export {
  listReferrers,
  pushReferrer,
  type ReferrerDoc,
  type ReferrerResult,
  type StagedReferrer,
  stageReferrer,
} from "./sbom/referrer.js";
