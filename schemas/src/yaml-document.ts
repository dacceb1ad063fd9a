import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type YAMLError,
} from "yaml";
import { type Diagnostic, SpecError } from "./errors.js";
import type { PathSegment } from "./json-path.js";
import { DEFAULT_MAX_BYTES } from "./limits.js";

export interface LoadOptions {
  /** Largest file accepted, in bytes. */
  maxBytes?: number;
  /** Most alias dereferences allowed (guards against billion-laughs expansion). */
  maxAliasCount?: number;
}

export const DEFAULT_MAX_ALIAS_COUNT = 100;

export interface Position {
  line: number;
  column: number;
}

/** A parsed YAML or JSON file that still knows where each value came from. */
export interface SourceDocument {
  file: string;
  value: unknown;
  /**
   * Where `path` is in the source. With `key: true` the position of the map key
   * rather than its value (for "unknown field" findings). Falls back to the
   * nearest existing ancestor.
   */
  locate(path: readonly PathSegment[], opts?: { key?: boolean }): Position;
}

function yamlDiagnostic(file: string, err: YAMLError): Diagnostic {
  const [pos] = err.linePos ?? [];
  // yaml's own first line is readable once its "at line …" suffix is gone.
  const detail = (err.message.split("\n")[0] ?? err.code).replace(/ at line \d+, column \d+:?$/, "");
  const message =
    err.code === "DUPLICATE_KEY"
      ? "duplicate key: each key may appear only once in a mapping"
      : `invalid YAML: ${detail}`;
  return {
    severity: "error",
    code: `yaml-${err.code.toLowerCase().replace(/_/g, "-")}`,
    message,
    location: { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
  };
}

const INVISIBLE: Record<string, string> = {
  "\uFEFF": "U+FEFF byte-order mark",
  "\u200B": "U+200B zero-width space",
  "\u200C": "U+200C zero-width non-joiner",
  "\u200D": "U+200D zero-width joiner",
  "\u2060": "U+2060 word joiner",
};

/** Where an invisible character sits, for messages that would otherwise point at nothing visible. */
export function invisibleHint(text: string): string {
  const m = /[\uFEFF\u200B-\u200D\u2060]/.exec(text.startsWith("\uFEFF") ? ` ${text.slice(1)}` : text);
  if (!m) return "";
  const lines = text.slice(0, m.index).split("\n");
  return ` (the file holds an invisible ${INVISIBLE[m[0]] ?? "character"} at line ${lines.length}, column ${(lines.at(-1)?.length ?? 0) + 1}: delete it)`;
}

function fail(file: string, code: string, message: string, pos?: Position): never {
  throw new SpecError([{ severity: "error", code, message, location: { file, ...(pos ?? {}) } }]);
}

/**
 * Parses one YAML (or JSON) document, keeping source positions. Rejects
 * oversized input, several documents, duplicate keys and alias bombs with a
 * located {@link SpecError}; never returns a partial value.
 */
export function parseSourceDocument(input: string, file: string, options: LoadOptions = {}): SourceDocument {
  // A leading byte-order mark is allowed (editors on Windows write one); positions ignore it.
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = Buffer.byteLength(text, "utf8");
  if (size > maxBytes) fail(file, "file-too-large", `file is ${size} bytes; the limit is ${maxBytes} bytes`);
  if (text.trim() === "" || /^(\s*#.*\n?|\s*\n)*\s*$/.test(text)) fail(file, "empty", "file is empty");

  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  if (!Array.isArray(docs)) fail(file, "empty", "file is empty");
  if (docs.length > 1) {
    const second = docs[1]?.contents?.range?.[0] ?? 0;
    fail(
      file,
      "multiple-documents",
      "file holds more than one YAML document; put one per file",
      lineCol(lineCounter, second),
    );
  }
  const doc = docs[0];
  if (!doc) fail(file, "empty", "file is empty");
  // Only the first syntax error: the ones after it are mostly its echoes.
  const [firstError] = doc.errors;
  if (firstError) {
    const d = yamlDiagnostic(file, firstError);
    d.message += invisibleHint(text);
    throw new SpecError([d]);
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? DEFAULT_MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      fail(
        file,
        "yaml-alias-limit",
        "too many alias expansions (possible billion-laughs attack); expand the aliases by hand",
      );
    }
    fail(file, "yaml-invalid", `invalid YAML: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) fail(file, "empty", "file is empty");

  return {
    file,
    value,
    locate(path, opts = {}) {
      let node: unknown = doc.contents;
      let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
      for (const [i, seg] of path.entries()) {
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
          );
          if (!pair) break;
          const keyNode = pair.key as Node;
          if (last && opts.key) {
            offset = keyNode.range?.[0] ?? offset;
            break;
          }
          node = pair.value;
          offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
        } else if (isSeq(node) && typeof seg === "number") {
          const item = node.items[seg] as Node | undefined;
          if (!item) break;
          node = item;
          offset = item.range?.[0] ?? offset;
        } else break;
      }
      return lineCol(lineCounter, offset);
    },
  };
}

function lineCol(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
