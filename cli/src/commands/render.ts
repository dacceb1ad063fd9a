import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { connectivityProblems, RenderError, renderCluster, toFiles } from "@kiln/clusters";
import { type Cluster, KilnError } from "@kiln/schemas";
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

/** The directories `kiln render` owns inside --out; stale YAML files in them are removed. */
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

  let result: ReturnType<typeof renderCluster>;
  try {
    result = renderCluster(cluster, { images, peers });
  } catch (err) {
    if (err instanceof RenderError) throw new KilnError(err.message, { location: { file }, cause: err });
    throw err;
  }
  const files = toFiles(result);
  const { warnings, connectivity } = result;
  // A required flow blocked or a forbidden one open: nothing is written.
  const problems = connectivityProblems(connectivity);
  if (!opts.json || problems.length > 0) writeLine(io.stdout, formatConnectivity(connectivity));
  if (problems.length > 0) {
    const shown = relative(cwd, resolve(cwd, file));
    for (const p of problems) writeLine(io.stderr, `${shown}: error: ${p}`);
    return EXIT_FAILURE;
  }

  await writeRendered(resolve(cwd, opts.out), files);
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
