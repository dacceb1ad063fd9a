import { relative, resolve } from "node:path";
import { renderToDir } from "@kiln/pipeline/render";
import type { Cluster } from "@kiln/schemas";
import { requireCluster } from "../cluster-source.js";
import { formatConnectivity } from "../connectivity.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { parseImages } from "../images.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  out: string;
  image?: string[];
  peer?: string[];
  json?: boolean;
}

/** Renders a Cluster file into deterministic, sorted YAML under --out (plus the DR runbook). */
export async function run(io: CommandIO, file: string, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const cluster = await requireCluster(io, file);
  if (!cluster) return EXIT_FAILURE;
  const images = parseImages(opts.image, cluster);
  const peers: Cluster[] = [];
  for (const p of opts.peer ?? []) {
    const peer = await requireCluster(io, p);
    if (!peer) return EXIT_FAILURE;
    peers.push(peer);
  }

  const { files, warnings, connectivity, problems } = await renderToDir(cluster, {
    file,
    out: resolve(cwd, opts.out),
    images,
    peers,
  });
  // A required flow blocked or a forbidden one open: nothing is written.
  if (!opts.json || problems.length > 0) writeLine(io.stdout, formatConnectivity(connectivity));
  if (problems.length > 0) {
    const shown = relative(cwd, resolve(cwd, file));
    for (const p of problems) writeLine(io.stderr, `${shown}: error: ${p}`);
    return EXIT_FAILURE;
  }
  for (const w of warnings) writeLine(io.stderr, `warning: ${w}`);
  if (opts.json)
    writeLine(
      io.stdout,
      JSON.stringify({ out: opts.out, files: Object.keys(files), warnings, connectivity }, null, 2),
    );
  else
    writeLine(
      io.stdout,
      `rendered ${Object.keys(files).length} files for cluster ${cluster.name} into ${opts.out}`,
    );
  return EXIT_OK;
}
