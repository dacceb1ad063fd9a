import { resolve } from "node:path";
import { readSourceFile } from "@kiln/catalog/read";
import { checkCluster } from "@kiln/clusters";
import { type Cluster, type Diagnostic, formatDiagnostic, loadSpec, SpecError } from "@kiln/schemas";
import { type CommandIO, writeLine } from "./io.js";

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

/** For commands that need one valid Cluster: prints its findings, and returns undefined when it has errors. */
export async function requireCluster(io: CommandIO, file: string): Promise<Cluster | undefined> {
  const loaded = await loadClusterFile(file, io.cwd ?? process.cwd());
  for (const d of loaded.diagnostics)
    writeLine(d.severity === "error" ? io.stderr : io.stdout, formatDiagnostic(d));
  return loaded.cluster;
}
