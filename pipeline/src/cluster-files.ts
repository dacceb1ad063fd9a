import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { FileReadError, listSpecFiles, readSourceFile } from "@kiln/catalog";
import { checkCluster } from "@kiln/clusters";
import {
  type Cluster,
  type Diagnostic,
  isKind,
  KilnError,
  loadSpec,
  parseSourceDocument,
  SpecError,
} from "@kiln/schemas";

/** A valid Cluster definition and the file it came from (as the user named it). */
export interface ClusterFile {
  file: string;
  cluster: Cluster;
}

/** Reads a Cluster file: schema and semantic findings, and the cluster when it has no error. */
export async function loadClusterFile(
  file: string,
  cwd: string,
): Promise<{ cluster?: Cluster; file: string; diagnostics: Diagnostic[] }> {
  const source = await readSourceFile(resolve(cwd, file), cwd).catch((err) => {
    if (err instanceof SpecError) return err;
    throw err;
  });
  if (source instanceof SpecError) return { file, diagnostics: source.diagnostics };
  try {
    const spec = loadSpec<Cluster>(source.text, source.file, "Cluster");
    const diagnostics = checkCluster(spec.value, spec.source);
    return {
      file: source.file,
      diagnostics,
      ...(diagnostics.some((d) => d.severity === "error") ? {} : { cluster: spec.value }),
    };
  } catch (err) {
    if (err instanceof SpecError) return { file: source.file, diagnostics: err.diagnostics };
    throw err;
  }
}

/** The kind a file declares, or a finding saying why it has none kiln knows. */
async function kindOf(abs: string, cwd: string): Promise<{ kind?: string; diagnostics: Diagnostic[] }> {
  try {
    const source = await readSourceFile(abs, cwd);
    const value = parseSourceDocument(source.text, source.file).value;
    const kind = value && typeof value === "object" ? (value as { kind?: unknown }).kind : undefined;
    if (isKind(kind)) return { kind, diagnostics: [] };
    return {
      diagnostics: [
        {
          severity: "error",
          code: "unknown-kind",
          message: `has ${kind === undefined ? "no `kind`" : typeof kind === "string" ? `kind ${JSON.stringify(kind.slice(0, 60))}, which kiln does not know` : "a `kind` that is not a name"}: kiln build reads Cluster files (other kiln documents are skipped)`,
          location: { file: source.file, path: "kind" },
        },
      ],
    };
  } catch (err) {
    if (err instanceof SpecError) return { diagnostics: err.diagnostics };
    if (err instanceof FileReadError)
      return {
        diagnostics: [
          { severity: "error", code: "unreadable", message: err.userMessage, location: err.location ?? {} },
        ],
      };
    throw err;
  }
}

/**
 * The Cluster files among `paths` (files, or directories read recursively): a directory may
 * hold other kiln documents too, so every file is parsed to know its kind; one that does not
 * parse, or names no kind kiln knows, is reported. Returns the valid clusters and every finding.
 */
export async function readClusterFiles(
  paths: string[],
  cwd: string,
): Promise<{ clusters: ClusterFile[]; diagnostics: Diagnostic[] }> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new KilnError("no such file or directory", { location: { file: p } });
    files.push(...(info.isDirectory() ? await listSpecFiles(abs) : [abs]));
  }
  const clusters: ClusterFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const abs of files) {
    const found = await kindOf(abs, cwd);
    diagnostics.push(...found.diagnostics);
    if (found.kind !== "Cluster") continue;
    const loaded = await loadClusterFile(abs, cwd);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.cluster) clusters.push({ file: loaded.file, cluster: loaded.cluster });
  }
  return { clusters, diagnostics };
}
