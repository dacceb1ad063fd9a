export {
  type Diagnostic,
  formatDiagnostic,
  formatLocation,
  KilnError,
  type Location,
  SpecError,
} from "./errors.js";
export type * from "./generated/index.js";
export { formatPath, type PathSegment, parsePointer } from "./json-path.js";
export { isKind, KINDS, type Kind, schemaDocument, schemaFile } from "./kinds.js";
export { type LoadedSpec, loadSpec, validateDocument } from "./validate.js";
export {
  DEFAULT_MAX_ALIAS_COUNT,
  DEFAULT_MAX_BYTES,
  type LoadOptions,
  type Position,
  parseSourceDocument,
  type SourceDocument,
} from "./yaml-document.js";
