import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

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

let compiled: Map<SchemaName, ValidateFunction> | undefined;

/** Validators are compiled once per process, on first use. */
export function validator(kind: SchemaName): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({
      strict: true,
      allErrors: true,
      verbose: true,
      allowUnionTypes: true,
      discriminator: true,
    });
    addFormats.default(ajv);
    // Annotation only: a human description of what a `pattern` demands.
    ajv.addKeyword({ keyword: "x-message", schemaType: "string" });
    compiled = new Map((Object.keys(FILES) as SchemaName[]).map((k) => [k, ajv.compile(schemaDocument(k))]));
  }
  const fn = compiled.get(kind);
  if (!fn) throw new Error(`no schema for kind ${kind}`);
  return fn;
}

export type { ErrorObject };
