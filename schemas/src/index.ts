export {
  abortedError,
  DeadlineError,
  type Diagnostic,
  formatDiagnostic,
  formatLocation,
  KilnError,
  type Location,
  OperationTimeoutError,
  SpecError,
} from "./errors.js";
export type * from "./generated/index.js";
export { formatPath, type PathSegment, parsePointer } from "./json-path.js";
export { describeNetworkError, type NetworkHints, networkErrorCode } from "./network.js";
export {
  DOCUMENTS,
  isKind,
  KINDS,
  type Kind,
  type SchemaName,
  schemaDocument,
  schemaFile,
  validator,
} from "./schema-registry.js";
export {
  type CredentialSpan,
  findUrlCredentials,
  hasUrlCredentials,
  isPlaceholderOnly,
  looksLikeSecretKey,
  redactText,
  redactUrl,
  scrubSecrets,
} from "./secrets.js";
export { type LoadedSpec, loadSpec, urlCredentialFindings, validateDocument } from "./validate.js";
export {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  type LoadOptions,
  type Position,
  parseSourceDocument,
  type SourceDocument,
} from "./yaml-document.js";
