export { validatorFor as validator } from "#validators";
export { concurrencyLimit, mapLimit } from "./concurrency.js";
export {
  abortedError,
  DeadlineError,
  type Diagnostic,
  formatDiagnostic,
  formatLocation,
  KilnError,
  type Location,
  OperationTimeoutError,
  OptionError,
  SpecError,
} from "./errors.js";
export type * from "./generated/index.js";
export { formatPath, type PathSegment, parsePointer } from "./json-path.js";
export {
  DOCUMENTS,
  isKind,
  KINDS,
  type Kind,
  type SchemaName,
  schemaDocument,
  schemaFile,
} from "./kinds.js";
export { describeNetworkError, type NetworkHints, networkErrorCode } from "./network.js";
export {
  type CredentialSpan,
  findUrlCredentials,
  hasUrlCredentials,
  isPlaceholderOnly,
  looksLikeSecretKey,
  looksLikeSecretParameter,
  redactText,
  redactUrl,
  scrubSecrets,
} from "./secrets.js";
export {
  type LoadedSpec,
  loadSpec,
  readSourceDocument,
  urlCredentialFindings,
  validateDocument,
} from "./validate.js";
export {
  CONFORMANCE_KAFKA_VERSIONS,
  DEFAULT_KAFKA_VERSION,
  MIN_METADATA_VERSION,
  STRIMZI_VERSION,
  SUPPORTED_KAFKA,
  SUPPORTED_KAFKA_LINES,
  SUPPORTED_KAFKA_VERSIONS,
  strimziKafkaImage,
} from "./versions.js";
export {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  type LoadOptions,
  type Position,
  parseSourceDocument,
  type SourceDocument,
} from "./yaml-document.js";
