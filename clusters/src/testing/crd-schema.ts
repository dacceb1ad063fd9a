// Test support (never imported by renderers): turns the real CRDs (made from pinned
// upstream artifacts, see reference.ts) into strict JSON Schemas, so rendered objects are
// checked the way `kubectl apply --validate=strict` checks them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";

export { prometheusCrdDir, strimziCrdDir } from "./reference.js";

type Json = Record<string, unknown>;

/** Structural schema → strict JSON Schema: unknown fields rejected, int-or-string and nullable understood. */
export function toStrictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictSchema);
  if (!node || typeof node !== "object") return node;
  const n = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(n)) {
    if (
      k.startsWith("x-kubernetes-") ||
      k === "description" ||
      k === "format" ||
      k === "nullable" ||
      k === "example"
    )
      continue;
    if (k === "properties")
      out.properties = Object.fromEntries(
        Object.entries(v as Json).map(([pk, pv]) => [pk, toStrictSchema(pv)]),
      );
    else if (k === "items" || k === "additionalProperties")
      out[k] = typeof v === "boolean" ? v : toStrictSchema(v);
    // Value validations (oneOf/anyOf/allOf/not) only constrain; they never declare fields.
    else if (k === "not") out[k] = v;
    else if (k === "anyOf" || k === "oneOf" || k === "allOf") out[k] = v;
    else out[k] = v;
  }
  if (n["x-kubernetes-int-or-string"]) {
    delete out.type;
    const pattern = out.pattern;
    delete out.pattern;
    if (!out.anyOf) out.anyOf = [{ type: "integer" }, { type: "string", ...(pattern ? { pattern } : {}) }];
  }
  if (n.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  if (n.properties && !n["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/** Go regular expressions as JavaScript ones: `(?i)` becomes the `i` flag. */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes("(?i)")
    ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`)
    : new RegExp(pattern, flags);
}
goRegExp.code = "new RegExp";

export interface CrdValidator {
  /** `group/version` + kind → validator for the served version's schema. */
  validate(obj: { apiVersion: string; kind: string }): string[];
  kinds(): string[];
}

export function loadCrdValidator(dirs: string[]): CrdValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
  const byKey = new Map<string, ValidateFunction>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
        const crd = doc.toJS() as Json | null;
        if (crd?.kind !== "CustomResourceDefinition") continue;
        const spec = crd.spec as {
          group: string;
          names: { kind: string };
          versions: { name: string; served: boolean; schema: { openAPIV3Schema: Json } }[];
        };
        for (const v of spec.versions.filter((x) => x.served)) {
          const schema = toStrictSchema(v.schema.openAPIV3Schema) as Json;
          byKey.set(`${spec.group}/${v.name}|${spec.names.kind}`, ajv.compile(schema));
        }
      }
    }
  }
  return {
    kinds: () => [...byKey.keys()].sort(),
    validate(obj) {
      const fn = byKey.get(`${obj.apiVersion}|${obj.kind}`);
      if (!fn) return [`no CRD serves ${obj.apiVersion} ${obj.kind}`];
      if (fn(obj)) return [];
      return (fn.errors ?? []).map(
        (e) => `${e.instancePath || "(root)"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
      );
    },
  };
}
