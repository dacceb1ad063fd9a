import { loadClusterFile } from "@kiln/pipeline/cluster-files";
import { type Cluster, formatDiagnostic } from "@kiln/schemas";
import { type CommandIO, writeLine } from "./io.js";

/** For commands that need one valid Cluster: prints its findings, and returns undefined when it has errors. */
export async function requireCluster(io: CommandIO, file: string): Promise<Cluster | undefined> {
  const loaded = await loadClusterFile(file, io.cwd ?? process.cwd());
  for (const d of loaded.diagnostics)
    writeLine(d.severity === "error" ? io.stderr : io.stdout, formatDiagnostic(d));
  return loaded.cluster;
}
