import type { ConnectorPlugin, Diagnostic, LicensePolicy } from "@kiln/schemas";
import { loadSpec, SpecError } from "@kiln/schemas";
import { Catalog } from "./catalog.js";
import { checkCatalog, type LoadedEntry } from "./check.js";

/** A file's name and text: what the pure loader needs from the file system. */
export interface SourceFile {
  file: string;
  text: string;
}

export interface CatalogResult {
  /** Undefined when any file or check failed: an invalid catalog is never half-used. */
  catalog: Catalog | undefined;
  diagnostics: Diagnostic[];
  /** How many entry files were read. */
  files: number;
  /** Every entry that loaded and validated on its own, even when the catalog as a whole fails. */
  entries: LoadedEntry[];
}

function diagnosticsOf(err: unknown): Diagnostic[] {
  if (err instanceof SpecError) return err.diagnostics;
  throw err;
}

/** Parses and validates the licence policy; throws a located SpecError. */
export function loadPolicy(file: SourceFile): LicensePolicy {
  return loadSpec<LicensePolicy>(file.text, file.file, "LicensePolicy").value;
}

/** Parses, validates and checks catalog files. Pure: no file system, no network. */
export function loadCatalog(files: SourceFile[], policyFile: SourceFile): CatalogResult {
  const diagnostics: Diagnostic[] = [];
  let policy: LicensePolicy | undefined;
  try {
    policy = loadPolicy(policyFile);
  } catch (err) {
    diagnostics.push(...diagnosticsOf(err));
  }
  const entries: LoadedEntry[] = [];
  for (const f of files) {
    try {
      const spec = loadSpec<ConnectorPlugin>(f.text, f.file, "ConnectorPlugin");
      entries.push({ entry: spec.value, source: spec.source });
    } catch (err) {
      diagnostics.push(...diagnosticsOf(err));
    }
  }
  if (policy) diagnostics.push(...checkCatalog(entries, policy));
  const ok = !diagnostics.some((d) => d.severity === "error");
  return { catalog: ok ? new Catalog(entries) : undefined, diagnostics, files: files.length, entries };
}
