import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { RenderError, renderCluster, toFiles } from "@kiln/clusters";
import { type Cluster, KilnError } from "@kiln/schemas";
import { requireCluster } from "../cluster-source.js";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  out: string;
  /** `--image name=ref`, parsed. */
  image?: Array<[string, string]>;
  json?: boolean;
}

/** The directories `kiln render` owns inside --out; stale YAML files in them are removed. */
const COMPONENT_DIRS = ["connect", "kafka", "mirrormaker2", "monitoring", "network", "users"];

/** `--image` values: each names a Connect cluster of the file (the renderer checks the digest pin). */
function parseImages(values: Array<[string, string]>, cluster: Cluster): Record<string, string> {
  const known = (cluster.connect ?? []).map((c) => c.name);
  const images: Record<string, string> = {};
  for (const [name, ref] of values) {
    if (!known.includes(name))
      throw new UsageError(
        `--image ${name}=…: the cluster has no Connect cluster named ${name} (it has ${known.join(", ") || "none"})`,
      );
    if (images[name]) throw new UsageError(`--image ${name} is given twice`);
    images[name] = ref;
  }
  return images;
}

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
  const images = parseImages(opts.image ?? [], cluster);

  let files: Record<string, string>;
  let warnings: string[];
  try {
    const result = renderCluster(cluster, { images });
    files = toFiles(result);
    warnings = result.warnings;
  } catch (err) {
    if (err instanceof RenderError) throw new KilnError(err.message, { location: { file }, cause: err });
    throw err;
  }

  await writeRendered(resolve(cwd, opts.out), files);
  for (const w of warnings) writeLine(io.stderr, `warning: ${w}`);
  if (opts.json)
    writeLine(io.stdout, JSON.stringify({ out: opts.out, files: Object.keys(files), warnings }, null, 2));
  else
    writeLine(
      io.stdout,
      `rendered ${Object.keys(files).length} files for cluster ${cluster.name} into ${opts.out}`,
    );
  return EXIT_OK;
}
