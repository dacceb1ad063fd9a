export { validatorFor as validator } from "#validators";
export * from "./core.js";
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
export {
  type LoadedSpec,
  loadSpec,
  readSourceDocument,
  urlCredentialFindings,
  validateDocument,
} from "./validate.js";
export {
  DEFAULT_MAX_ALIAS_COUNT,
  type LoadOptions,
  type Position,
  parseSourceDocument,
  type SourceDocument,
} from "./yaml-document.js";
