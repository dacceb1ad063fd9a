import { resolve } from "node:path";
import { type Catalog, readCatalog } from "@kiln/catalog";
import { formatDiagnostic, KilnError } from "@kiln/schemas";

/** Loads the catalog for commands that need a valid one; an invalid catalog is an error. */
export async function requireCatalog(dir: string, cwd: string): Promise<Catalog> {
  const result = await readCatalog(resolve(cwd, dir), { cwd });
  if (!result.catalog) {
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    throw new KilnError(
      `the catalog is invalid (${errors.length} error${errors.length === 1 ? "" : "s"}; run kiln validate):\n${errors.map(formatDiagnostic).join("\n")}`,
    );
  }
  return result.catalog;
}
