import { readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { DEFAULT_MAX_BYTES, type Diagnostic, KilnError, SpecError } from "@kiln/schemas";
import { type CatalogResult, loadCatalog, type SourceFile } from "./load.js";

// `@kiln/catalog/read`: what reading and checking a catalog needs, without the resolvers'
// network and archive modules (commands that only validate load this much).
export { Catalog } from "./catalog.js";
export { checkCatalog, type LoadedEntry } from "./check.js";
export { type CatalogResult, loadCatalog, loadPolicy, type SourceFile } from "./load.js";
export { isValidRange, normalizeVersion, supportsKafka } from "./version.js";

const SPEC_FILE = /\.(ya?ml|json)$/;

/**
 * Reads a file for the loader, refusing oversized files (a located SpecError)
 * before reading them whole. Paths are reported relative to `cwd`. The reads are
 * synchronous on purpose: spec files are small (1 MiB at most) and a catalog has
 * thousands, which the thread pool's round trips made 15 times slower to read.
 */
export async function readSourceFile(path: string, cwd = process.cwd()): Promise<SourceFile> {
  const file = relative(cwd, path) || path;
  const unreadable = (err: unknown) =>
    new KilnError(
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message,
      { location: { file }, cause: err },
    );
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw unreadable(err);
  }
  if (size > DEFAULT_MAX_BYTES) {
    const message = `file is ${size} bytes; the limit is ${DEFAULT_MAX_BYTES} bytes`;
    throw new SpecError([{ severity: "error", code: "file-too-large", message, location: { file } }]);
  }
  try {
    return { file, text: readFileSync(path, "utf8") };
  } catch (err) {
    throw unreadable(err);
  }
}

/** The spec files under `dir` (recursively), sorted, for stable output. */
export async function listSpecFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && SPEC_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The licence policy sits beside the connectors folder: catalog/license-policy.yaml. */
export function defaultPolicyPath(connectorsDir: string): string {
  return join(dirname(connectorsDir), "license-policy.yaml");
}

/** Reads and checks a catalog directory. */
export async function readCatalog(
  connectorsDir: string,
  opts: { policy?: string; cwd?: string } = {},
): Promise<CatalogResult> {
  const paths = await listSpecFiles(connectorsDir).catch((err: NodeJS.ErrnoException) => {
    throw new KilnError(err.code === "ENOENT" ? "catalog directory not found" : err.message, {
      location: { file: connectorsDir },
      cause: err,
    });
  });
  const unreadable: Diagnostic[] = [];
  const files: SourceFile[] = [];
  for (const p of paths) {
    try {
      files.push(await readSourceFile(p, opts.cwd));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      unreadable.push(...err.diagnostics);
    }
  }
  const policy = await readSourceFile(opts.policy ?? defaultPolicyPath(connectorsDir), opts.cwd);
  const result = loadCatalog(files, policy);
  if (unreadable.length === 0) return result;
  return {
    ...result,
    catalog: undefined,
    diagnostics: [...unreadable, ...result.diagnostics],
    files: paths.length,
  };
}
