import { type Layout, resolvePlugins } from "@kiln/catalog";
import { requireCatalog } from "@kiln/pipeline/catalog";
import { requireLockfile } from "@kiln/pipeline/lockfile";
import { EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";
import { formatTable } from "../table.js";

interface Options {
  catalog: string;
  lockfile?: string;
  layout?: Layout;
  json?: boolean;
}

/** `kiln resolve [names…]`: plugin directories in the cache, made only from what the lock pins. */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const catalog = await requireCatalog(opts.catalog, cwd);
  const lock = await requireLockfile(opts.lockfile, cwd);
  const plugins = await resolvePlugins(catalog, lock, names, {
    env: io.env,
    onProgress: progressReporter(io),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(opts.layout ? { layout: opts.layout } : {}),
  });
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify(plugins, null, 2));
    return EXIT_OK;
  }
  const rows = plugins.map((p) => [p.name, p.version, String(p.files.length), p.digest.slice(0, 19), p.dir]);
  writeLine(io.stdout, formatTable(["name", "version", "files", "digest", "dir"], rows));
  return EXIT_OK;
}
