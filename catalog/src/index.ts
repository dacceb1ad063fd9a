export { type AddOptions, type AddProposal, CLASS_TYPES, proposeEntry, sortClasses } from "./add/add.js";
export { entryYaml, schemaModeline } from "./add/entry-yaml.js";
export { type AddSource, nameOfSource, parseAddSource, versionOfSource } from "./add/source.js";
export { Cache, defaultCacheDir, digestFile, type FileDigests } from "./cache/cache.js";
export { Catalog, type CatalogQuery } from "./catalog.js";
export { checkCatalog, type LoadedEntry, typeOfClasses } from "./check.js";
export { ChecksumError, DownloadError, ResolveError, UnsafeArchiveError } from "./errors.js";
export {
  crossPluginWarnings,
  type DeclaredClassReport,
  inspectPlugin,
  type JarReport,
  type PluginReport,
  type ProvidedClass,
  readJar,
  SERVICE_INTERFACES,
} from "./inspect/inspect.js";
export { isKafkaProvided, KAFKA_PROVIDED } from "./kafka-provided.js";
export { type CatalogResult, loadCatalog, loadPolicy, type SourceFile } from "./load.js";
export {
  checkLock,
  diffLines,
  emptyLock,
  expectedLock,
  LOCKFILE_MAX_BYTES,
  LOCKFILE_NAME,
  LOCKFILE_VERSION,
  type LockCheck,
  LockError,
  type LockedPlugin,
  type Lockfile,
  lockProblems,
  parseLock,
  serializeLock,
} from "./lock/lock.js";
export { contentDigest, type Layout, type PlannedEntry, planPlugin, strimziHash } from "./lock/plan.js";
export { MAVEN_CENTRAL } from "./lock/sources.js";
export type { ContentEntry, LockedArtifact, PinnedFile } from "./lock/types.js";
export {
  defaultPolicyPath,
  FileReadError,
  listSpecFiles,
  readCatalog,
  readSourceFile,
  readTextFile,
} from "./read.js";
export { type ExtractLimits, extractArchive } from "./resolve/extract.js";
export { HttpClient, type HttpOptions, type HttpStats } from "./resolve/http.js";
export {
  effectiveRepository,
  type MavenSettings,
  parseMavenSettings,
  readMavenSettings,
} from "./resolve/maven-settings.js";
export {
  createContext,
  lockCatalog,
  lockPlugin,
  type ResolvedFile,
  type ResolvedPlugin,
  type ResolveOptions,
  resolvePlugins,
} from "./resolve/plugins.js";
export type { ProgressEvent } from "./resolve/types.js";
export { type Bump, bumpEntry, ClassesChangedError } from "./updates/bump.js";
export { applyEntryChanges } from "./updates/edit.js";
export { findUpdates, type OutdatedReport, type Unchecked, type Update } from "./updates/outdated.js";
export { isValidRange, normalizeVersion, supportsKafka } from "./version.js";
