import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { SCHEMA_NAMES, type SchemaName, schemaDocument } from "./kinds.js";

// The validators, made by ajv from json/*.schema.json. Built code never compiles them: the
// build turns them into standalone code (`standaloneModule`, written by
// scripts/generate-validators.mjs to dist/generated/validators.js), which `#validators`
// resolves to; sources and tests (the `kiln-src` condition) compile them here, on first use.

function configuredAjv(code?: { source: true; esm: true }): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    verbose: true,
    allowUnionTypes: true,
    discriminator: true,
    ...(code ? { code } : {}),
  });
  addFormats.default(ajv);
  // Annotation only: a human description of what a `pattern` demands.
  ajv.addKeyword({ keyword: "x-message", schemaType: "string" });
  for (const name of SCHEMA_NAMES) ajv.addSchema(schemaDocument(name), name);
  return ajv;
}

let compiled: Ajv2020 | undefined;

/** The validator of a kind's (or document's) schema; compiled once per process. */
export function validatorFor(name: SchemaName): ValidateFunction {
  compiled ??= configuredAjv();
  const fn = compiled.getSchema(name);
  if (!fn) throw new Error(`no schema for ${name}`);
  return fn;
}

/**
 * An ES module with every kind's validator as ajv standalone code, exporting `validatorFor`.
 * ajv writes `require()` for its runtime helpers even in ES module output; they become
 * imports (absolute file URLs with `absoluteImports`, for a module written outside this package).
 */
export function standaloneModule(opts: { absoluteImports?: boolean } = {}): string {
  const ajv = configuredAjv({ source: true, esm: true });
  const code = standaloneCode.default(ajv, Object.fromEntries(SCHEMA_NAMES.map((k) => [k, k])));
  const resolve = createRequire(import.meta.url).resolve;
  const imports = new Map<string, string>();
  const body = code.replace(/require\("([^"]+)"\)/g, (_m, spec: string) => {
    const name = imports.get(spec) ?? `__dependency${imports.size}`;
    imports.set(spec, name);
    return name;
  });
  const header = [...imports].map(([spec, name]) => {
    const target = opts.absoluteImports ? pathToFileURL(resolve(spec)).href : `${spec}.js`;
    return `import ${name} from ${JSON.stringify(target)};`;
  });
  return [
    "// Generated from json/*.schema.json by scripts/generate-validators.mjs (ajv standalone). Do not edit.",
    ...header,
    body.replace(/^"use strict";/, ""),
    `const byName = { ${SCHEMA_NAMES.join(", ")} };`,
    "export function validatorFor(name) {",
    "  const fn = byName[name];",
    "  if (!fn) throw new Error(`no schema for ${name}`);",
    "  return fn;",
    "}",
    "",
  ].join("\n");
}
