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

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && Object.hasOwn(KINDS, value);
}

// The schema files sit in ../json both from src/ (tests) and dist/ (built).
const require = createRequire(import.meta.url);

/** Absolute path of a kind's schema file, for editors' `$schema` comments. */
export function schemaFile(kind: Kind): string {
  return fileURLToPath(new URL(`../json/${KINDS[kind]}`, import.meta.url));
}

export function schemaDocument(kind: Kind): Record<string, unknown> {
  return require(`../json/${KINDS[kind]}`) as Record<string, unknown>;
}
