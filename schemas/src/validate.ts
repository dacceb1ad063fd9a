import type { ErrorObject } from "ajv";
import { validatorFor } from "#validators";
import type { Diagnostic } from "./errors.js";
import { SpecError } from "./errors.js";
import { fastParse } from "./fast-yaml.js";
import { formatPath, type PathSegment, parsePointer } from "./json-path.js";
import { isKind, KINDS, type Kind, type SchemaName } from "./kinds.js";
import { DEFAULT_MAX_BYTES } from "./limits.js";
import { findUrlCredentials, isPlaceholderOnly, looksLikeSecretKey, redactText } from "./secrets.js";
import {
  invisibleHint,
  type LoadOptions,
  parseSourceDocument,
  type SourceDocument,
} from "./yaml-document.js";

/** A value as a message may quote it: never the value of a secret-looking key, never a URL's password. */
function describe(value: unknown, path: readonly PathSegment[] = []): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const last = path.at(-1);
  const secret = typeof last === "string" && looksLikeSecretKey(last);
  if (typeof value === "string") {
    if (secret && !isPlaceholderOnly(value)) return "a value (not shown: the key holds a secret)";
    const shown = redactText(value);
    return `"${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}"`;
  }
  if (secret) return `a ${typeof value} (not shown: the key holds a secret)`;
  return `${typeof value} ${String(value)}`;
}

const ARTICLE: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  null: "null",
};

/** Turns one ajv error into a sentence a person understands, and where it points. */
function toDiagnostic(doc: SourceDocument, err: ErrorObject): Diagnostic | undefined {
  const path: PathSegment[] = parsePointer(err.instancePath);
  const here = `\`${formatPath(path)}\``;
  let at = path;
  let key = false;
  let message: string;
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "required":
      message = `${path.length === 0 ? "the document" : here} is missing the required field \`${String(p.missingProperty)}\``;
      break;
    case "additionalProperties":
      at = [...path, String(p.additionalProperty)];
      key = true;
      message = `unknown field \`${formatPath(at)}\``;
      break;
    case "type": {
      const types = String(p.type)
        .split(",")
        .map((t) => ARTICLE[t] ?? t);
      // YAML reads unquoted digits (a hex digest, a version like 1.10) as a number.
      const hint =
        p.type === "string" && typeof err.data === "number"
          ? "; quote the value so YAML reads it as text"
          : "";
      message = `${here} must be ${types.join(" or ")}, not ${describe(err.data, path)}${hint}`;
      break;
    }
    case "enum":
      message = `${here} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, not ${describe(err.data, path)}`;
      break;
    case "const":
      message = `${here} must be ${JSON.stringify(p.allowedValue)}, not ${describe(err.data, path)}`;
      break;
    case "pattern": {
      const human = (err.parentSchema as Record<string, unknown> | undefined)?.["x-message"];
      message =
        typeof human === "string"
          ? `${here} ${human}, not ${describe(err.data, path)}`
          : `${here} must match the pattern ${String(p.pattern)}, not ${describe(err.data, path)}`;
      break;
    }
    case "format":
      message = `${here} must be a valid ${String(p.format) === "uri" ? "absolute URL" : String(p.format)}, not ${describe(err.data, path)}`;
      break;
    case "minLength":
      message =
        p.limit === 1
          ? `${here} must not be empty`
          : `${here} must be at least ${String(p.limit)} characters long`;
      break;
    case "maxLength":
      message = `${here} must be at most ${String(p.limit)} characters long`;
      break;
    case "minItems":
      message = `${here} must have at least ${String(p.limit)} item${p.limit === 1 ? "" : "s"}`;
      break;
    case "maxItems":
      message = `${here} must have at most ${String(p.limit)} items`;
      break;
    case "uniqueItems": {
      const [first, second] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      at = [...path, second as number];
      message = `${here} must not repeat items: items ${first} and ${second} are the same`;
      break;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      message = `${here} must be ${String(p.comparison)} ${String(p.limit)}, not ${describe(err.data, path)}`;
      break;
    case "propertyNames":
      message = `${here} has a key that is not allowed: ${String(p.propertyName)}`;
      break;
    case "if":
    case "discriminator":
    case "anyOf":
    case "oneOf":
      // The branch errors that come with these say what is wrong; the summary adds nothing.
      return undefined;
    default:
      message = `${here} ${err.message ?? "is invalid"}`;
  }
  const pos = doc.locate(at, { key });
  return {
    severity: "error",
    code: `schema-${err.keyword}`,
    message,
    location: { file: doc.file, line: pos.line, column: pos.column, path: formatPath(at) },
  };
}

/**
 * Every string in the document that writes a credential into a URL (`user:password@`,
 * `?password=`, JDBC parameters): such a value would be deployed, rendered or locked in plain
 * text. Placeholders (`${file:…}`) in the credential's place are fine.
 */
export function urlCredentialFindings(doc: SourceDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (value: unknown, path: PathSegment[]) => {
    if (typeof value === "string") {
      if (findUrlCredentials(value).length === 0) return;
      const pos = doc.locate(path);
      out.push({
        severity: "error",
        code: "url-credentials",
        message: `\`${formatPath(path)}\` writes a credential into a URL (${describe(value)}); credentials belong in a Secret or an environment variable, referenced by a placeholder such as \${file:/path:key}`,
        location: { file: doc.file, line: pos.line, column: pos.column, path: formatPath(path) },
      });
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, i]);
    } else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(doc.value, []);
  return out;
}

/**
 * Validates a parsed document against a kind's schema, and refuses credentials written into
 * URLs anywhere in it; returns every finding, sorted by position.
 */
export function validateDocument(kind: SchemaName, doc: SourceDocument): Diagnostic[] {
  const schemaFindings = schemaDiagnostics(kind, doc);
  const flagged = new Set(schemaFindings.map((d) => d.location.path));
  const credentials = urlCredentialFindings(doc).filter((d) => !flagged.has(d.location.path));
  return [...schemaFindings, ...credentials].sort(
    (a, b) =>
      (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0),
  );
}

function schemaDiagnostics(kind: SchemaName, doc: SourceDocument): Diagnostic[] {
  const validate = validatorFor(kind);
  if (validate(doc.value)) return [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  // Missing fields of one object are reported together, in one sentence.
  const missing = new Map<string, { diagnostic: Diagnostic; fields: string[] }>();
  for (const err of validate.errors ?? []) {
    const d = toDiagnostic(doc, err);
    if (!d) continue;
    if (err.keyword === "required") {
      const field = String((err.params as { missingProperty: string }).missingProperty);
      const group = missing.get(err.instancePath);
      if (group) {
        group.fields.push(field);
        continue;
      }
      missing.set(err.instancePath, { diagnostic: d, fields: [field] });
    }
    const id = `${d.location.path}|${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  for (const { diagnostic, fields } of missing.values()) {
    if (fields.length > 1) {
      const list = fields.map((f) => `\`${f}\``).join(", ");
      diagnostic.message = diagnostic.message.replace(
        /the required field `[^`]*`$/,
        `the required fields ${list}`,
      );
    }
  }
  return out.sort(
    (a, b) =>
      (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0),
  );
}

export interface LoadedSpec<T = unknown> {
  kind: Kind;
  value: T;
  source: SourceDocument;
}

/**
 * Parses one YAML (or JSON) document as {@link parseSourceDocument} does, same value and same
 * errors, but by the fast parser when it can: such a document knows where its values are only
 * when asked (a finding to report), and then parses the text again with positions. Files that
 * are valid — nearly all — never pay for the located parse.
 */
export function readSourceDocument(text: string, file: string, options?: LoadOptions): SourceDocument {
  // Oversized text goes straight to the located parse, which refuses it with its size.
  const fast =
    Buffer.byteLength(text, "utf8") <= (options?.maxBytes ?? DEFAULT_MAX_BYTES) ? fastParse(text) : undefined;
  if (!fast) return parseSourceDocument(text, file, options);
  let located: SourceDocument | undefined;
  return {
    file,
    value: fast.value,
    locate(path, opts) {
      located ??= parseSourceDocument(text, file, options);
      return located.locate(path, opts);
    },
  };
}

/**
 * Parses a file's text, works out its kind from `kind:` (or `expected`), and
 * validates it. Throws a {@link SpecError} with every finding; never returns
 * an invalid document. A valid file is read by the fast parser alone; the
 * located parse runs only for files that fail (or that the fast parser leaves to it).
 */
export function loadSpec<T = unknown>(
  text: string,
  file: string,
  expected?: Kind,
  options?: LoadOptions,
): LoadedSpec<T> {
  const source = readSourceDocument(text, file, options);
  const value = source.value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const pos = source.locate([]);
    throw new SpecError([
      {
        severity: "error",
        code: "not-a-mapping",
        message: `the document must be a mapping, not ${describe(value)}`,
        location: { file, ...pos, path: "(root)" },
      },
    ]);
  }
  const declared = (value as Record<string, unknown>).kind;
  const kind = expected ?? (isKind(declared) ? declared : undefined);
  if (!kind) {
    const pos = source.locate(["kind"]);
    const known = Object.keys(KINDS).join(", ");
    const message =
      declared === undefined
        ? `the document has no \`kind\`; it must be one of ${known}`
        : `unknown kind ${describe(declared)}; it must be one of ${known}`;
    throw new SpecError([
      { severity: "error", code: "unknown-kind", message, location: { file, ...pos, path: "kind" } },
    ]);
  }
  const diagnostics = validateDocument(kind, source);
  if (diagnostics.length > 0) {
    const hint = invisibleHint(text);
    if (hint && diagnostics[0]) diagnostics[0].message += hint;
    throw new SpecError(diagnostics);
  }
  return { kind, value: value as T, source };
}
