// The pipeline between the domain packages and the CLI: catalog → lock → resolve → bake →
// publish → render, and the PR checks. Each step returns typed data; the CLI formats it.
export { type BakeHooks, type BakeOutput, type BakeReport, type BakeRequest, bakeImages } from "./bake.js";
export {
  asBuilt,
  type BuildHooks,
  type BuildRequest,
  BuildStopped,
  type BuildSummary,
  type BuiltImage,
  build,
  buildMarkdown,
  type ConnectPath,
  PATH_NAMES,
  withPluginVolumes,
} from "./build.js";
export { requireCatalog } from "./catalog.js";
export { type ClusterFile, loadClusterFile, readClusterFiles } from "./cluster-files.js";
export {
  type ConformanceRequest,
  conformance,
  proveEntries,
  readSystems,
  type Systems,
} from "./conformance.js";
export type { RunContext } from "./context.js";
export { readLockfile, requireLockfile } from "./lockfile.js";
export { type PluginSourceOptions, pluginSources } from "./plugin-sources.js";
export { checkPullRequest, type PrOutcome, type PrRequest, postPrReport } from "./pr/check-pr.js";
export type { PrCheck, PrEntryReport, PrReport } from "./pr/summary.js";
export { attachSbom, type Published, publish } from "./publish.js";
export { imageStore, type RegistryOptions, registryClient } from "./registry.js";
export { type RenderedCluster, renderToDir, writeRendered } from "./render.js";
