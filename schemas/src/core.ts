// `@kiln/schemas/core`: what needs neither the YAML parser nor the JSON Schema validators —
// errors, secret redaction, network errors, concurrency, versions and limits. Modules on paths
// that never read a spec (the image builder, a bake from plugin directories) import this, so
// those commands do not load the parser and the generated validators (1 MB of JavaScript).
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
export { DEFAULT_MAX_BYTES } from "./limits.js";
export {
  BODY_TIMEOUT,
  BODY_TOO_LARGE,
  CONNECT_TIMEOUT,
  describeNetworkError,
  HEADERS_TIMEOUT,
  type NetworkHints,
  networkErrorCode,
  SHORT_BODY,
} from "./network.js";
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
  CONFORMANCE_KAFKA_VERSIONS,
  DEFAULT_KAFKA_VERSION,
  MIN_METADATA_VERSION,
  STRIMZI_VERSION,
  SUPPORTED_KAFKA,
  SUPPORTED_KAFKA_LINES,
  SUPPORTED_KAFKA_VERSIONS,
  strimziKafkaImage,
} from "./versions.js";
