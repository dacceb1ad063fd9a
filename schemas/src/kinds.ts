import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The document kinds kiln reads, each with its own JSON Schema. */
export const KINDS = {
  ConnectorPlugin: "connector-plugin.schema.json",
  Cluster: "cluster.schema.json",
  Connector: "connector.schema.json",
  LicensePolicy: "license-policy.schema.json",
  ConnectTarget: "connect-target.schema.json",
} as const;

export type Kind = keyof typeof KINDS;

/** Files kiln reads that have a schema but no `kind` (JSON it writes itself, read back as untrusted input). */
export const DOCUMENTS = {
  Lockfile: "lockfile.schema.json",
} as const;

export type SchemaName = Kind | keyof typeof DOCUMENTS;

const FILES: Record<SchemaName, string> = { ...KINDS, ...DOCUMENTS };

/** Every schema kiln validates with: the kinds and the documents. */
export const SCHEMA_NAMES = Object.keys(FILES) as SchemaName[];

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && Object.hasOwn(KINDS, value);
}

// The schema files sit in ../json both from src/ (tests) and dist/ (built).
const require = createRequire(import.meta.url);

/** Absolute path of a kind's schema file, for editors' `$schema` comments. */
export function schemaFile(name: SchemaName): string {
  return fileURLToPath(new URL(`../json/${FILES[name]}`, import.meta.url));
}

export function schemaDocument(name: SchemaName): Record<string, unknown> {
  return require(`../json/${FILES[name]}`) as Record<string, unknown>;
}
