import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { connectivityProblems, type RenderResult, renderCluster, toFiles } from "@kiln/clusters";
import type { Cluster } from "@kiln/schemas";

/** The directories kiln owns inside a render's output; stale YAML files in them are removed. */
const COMPONENT_DIRS = ["connect", "kafka", "mirrormaker2", "monitoring", "network", "users"];

/** Writes rendered files under `out`, removing stale YAML from the component directories kiln owns. */
export async function writeRendered(out: string, files: Record<string, string>): Promise<void> {
  for (const dir of COMPONENT_DIRS) {
    const names = await readdir(join(out, dir)).catch(() => [] as string[]);
    for (const name of names)
      if (name.endsWith(".yaml") && !Object.hasOwn(files, `${dir}/${name}`)) await rm(join(out, dir, name));
  }
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), text);
  }
}

export interface RenderedCluster {
  files: Record<string, string>;
  warnings: string[];
  connectivity: RenderResult["connectivity"];
  /** Required flows the NetworkPolicies block, or forbidden ones they open: when any, nothing was written. */
  problems: string[];
}

/**
 * Renders a Cluster (a refusal is a RenderError located at `file`) and, when its NetworkPolicies
 * agree with its flows, writes the files under `out`.
 */
export async function renderToDir(
  cluster: Cluster,
  opts: { file: string; out: string; images?: Record<string, string>; peers?: Cluster[] },
): Promise<RenderedCluster> {
  const result = renderCluster(cluster, {
    file: opts.file,
    ...(opts.images ? { images: opts.images } : {}),
    ...(opts.peers ? { peers: opts.peers } : {}),
  });
  const files = toFiles(result);
  const problems = connectivityProblems(result.connectivity);
  if (problems.length === 0) await writeRendered(opts.out, files);
  return { files, warnings: result.warnings, connectivity: result.connectivity, problems };
}
