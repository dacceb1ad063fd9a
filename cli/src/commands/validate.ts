import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  checkCatalog,
  defaultPolicyPath,
  type LoadedEntry,
  listSpecFiles,
  loadPolicy,
  readCatalog,
  readSourceFile,
} from "@kiln/catalog";
import { checkCluster, checkClusterPairs } from "@kiln/clusters";
import { connectorFileSecrets } from "@kiln/connectors";
import {
  type Cluster,
  type Connector,
  type ConnectorPlugin,
  type Diagnostic,
  formatDiagnostic,
  loadSpec,
  SpecError,
} from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  catalog: string;
  json?: boolean;
}

async function expand(paths: string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    out.push(...(info?.isDirectory() ? await listSpecFiles(abs) : [abs]));
  }
  return out;
}

/** Validates named files (any kind, by their `kind:`), or the whole catalog when none are named. */
async function validatePaths(
  paths: string[],
  opts: Options,
  cwd: string,
): Promise<{ diagnostics: Diagnostic[]; files: number }> {
  const catalogDir = resolve(cwd, opts.catalog);
  if (paths.length === 0) {
    const result = await readCatalog(catalogDir, { cwd });
    return { diagnostics: result.diagnostics, files: result.files };
  }
  const files = await expand(paths, cwd);
  const diagnostics: Diagnostic[] = [];
  const entries: LoadedEntry[] = [];
  const clusters: Parameters<typeof checkClusterPairs>[0] = [];
  for (const path of files) {
    try {
      const source = await readSourceFile(path, cwd);
      const spec = loadSpec(source.text, source.file);
      if (spec.kind === "ConnectorPlugin")
        entries.push({ entry: spec.value as ConnectorPlugin, source: spec.source });
      if (spec.kind === "Cluster") {
        diagnostics.push(...checkCluster(spec.value as Cluster, spec.source));
        clusters.push({ cluster: spec.value as Cluster, source: spec.source });
      }
      if (spec.kind === "Connector")
        diagnostics.push(...connectorFileSecrets(spec.value as Connector, spec.source));
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else throw err;
    }
  }
  // Both sides of a DR pair named together: what each dials must be the other's listener.
  diagnostics.push(...checkClusterPairs(clusters));
  if (entries.length > 0) {
    // Named entries are checked together, and against the catalog's licence policy.
    try {
      const policy = loadPolicy(await readSourceFile(defaultPolicyPath(catalogDir), cwd));
      diagnostics.push(...checkCatalog(entries, policy));
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else throw err;
    }
  }
  return { diagnostics, files: files.length };
}

export async function run(io: CommandIO, paths: string[], opts: Options): Promise<number> {
  const { diagnostics, files } = await validatePaths(paths, opts, io.cwd ?? process.cwd());
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify({ valid: errors === 0, files, diagnostics }, null, 2));
  } else {
    for (const d of diagnostics)
      writeLine(d.severity === "error" ? io.stderr : io.stdout, formatDiagnostic(d));
    writeLine(
      io.stdout,
      errors === 0
        ? `${files} file${files === 1 ? "" : "s"} valid`
        : `${errors} error${errors === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}`,
    );
  }
  return errors === 0 ? EXIT_OK : EXIT_FAILURE;
}
