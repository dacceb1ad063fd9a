import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Diagnostic, KilnError, SpecError } from "@kiln/schemas";
import { FileReadError, readSourceFile } from "./files.js";
import { type CatalogResult, loadCatalog, type SourceFile } from "./load.js";

// `@kiln/catalog/read`: what reading and checking a catalog needs, without the resolvers'
// network and archive modules (commands that only validate load this much).
export { Catalog } from "./catalog.js";
export { checkCatalog, type LoadedEntry } from "./check.js";
export { FileReadError, readSourceFile, readTextFile } from "./files.js";
export { type CatalogResult, loadCatalog, loadPolicy, type SourceFile } from "./load.js";
export { isValidRange, normalizeVersion, supportsKafka } from "./version.js";

const SPEC_FILE = /\.(ya?ml|json)$/;

/**
 * The spec files under `dir` (recursively), sorted, for stable output. Links are listed too: a
 * link that leads nowhere is reported when read, never silently left out.
 */
export async function listSpecFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && SPEC_FILE.test(e.name))
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
    throw new KilnError(
      err.code === "ENOENT"
        ? "catalog directory not found"
        : err.code === "ENOTDIR"
          ? "is a file, not the catalog directory"
          : err.message,
      {
        location: { file: connectorsDir },
        cause: err,
      },
    );
  });
  const unreadable: Diagnostic[] = [];
  const files: SourceFile[] = [];
  for (const p of paths) {
    try {
      files.push(await readSourceFile(p, opts.cwd));
    } catch (err) {
      if (err instanceof SpecError) unreadable.push(...err.diagnostics);
      else if (err instanceof FileReadError)
        unreadable.push({
          severity: "error",
          code: "unreadable",
          message: `cannot be read: ${err.userMessage}`,
          location: err.location ?? {},
        });
      else throw err;
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
