export { Catalog, type CatalogQuery } from "./catalog.js";
export { checkCatalog, type LoadedEntry } from "./check.js";
export { type CatalogResult, loadCatalog, loadPolicy, type SourceFile } from "./load.js";
export { defaultPolicyPath, listSpecFiles, readCatalog, readSourceFile } from "./read.js";
export { isValidRange, normalizeVersion, supportsKafka } from "./version.js";
