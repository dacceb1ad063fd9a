import { checkLock, emptyLock, LOCKFILE_NAME, lockCatalog } from "@kiln/catalog";
import { requireCatalog } from "@kiln/pipeline/catalog";
import { readLockfile, writeLockfile } from "@kiln/pipeline/lockfile";
import { KilnError } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";

interface Options {
  catalog: string;
  lockfile?: string;
  check?: boolean;
  json?: boolean;
}

/**
 * `kiln lock`: resolves the catalog (or the named entries) and writes the lock
 * deterministically. `--check` downloads nothing: it exits 1 with a diff when
 * the lock does not pin exactly what the catalog says.
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const catalog = await requireCatalog(opts.catalog, cwd);
  const file = opts.lockfile ?? LOCKFILE_NAME;
  const entries = catalog.entries.map((e) => e.entry);

  if (opts.check) {
    const current = await readLockfile(opts.lockfile, cwd);
    const result = current
      ? checkLock(entries, current.lock, current.text)
      : checkLock(entries, emptyLock(), "");
    if (!current) result.problems.unshift(`${file} does not exist`);
    if (opts.json) {
      writeLine(
        io.stdout,
        JSON.stringify({ ok: result.ok && !!current, problems: result.problems }, null, 2),
      );
    } else if (result.ok && current) {
      writeLine(io.stdout, `${file} pins all ${entries.length} catalog entries`);
    } else {
      writeLine(io.stderr, `${file} does not match the catalog (run kiln lock and commit the result):`);
      for (const p of result.problems) writeLine(io.stderr, `  ${p}`);
      if (result.diff) writeLine(io.stderr, `\n--- ${file}\n+++ catalog\n${result.diff}`);
    }
    return result.ok && current ? EXIT_OK : EXIT_FAILURE;
  }

  // Re-locking some entries keeps the others as locked, so it needs a valid lock; locking them
  // all writes a new one, so an invalid old one is only reported.
  const current = await readLockfile(
    opts.lockfile,
    cwd,
    "fix it, or run kiln lock without entry names to write the whole lock again",
  ).catch((err: unknown) => {
    if (names.length > 0 || !(err instanceof KilnError)) throw err;
    writeLine(io.stderr, `kiln: warning: replacing ${file}, which is not a valid lock: ${err.userMessage}`);
    return undefined;
  });
  const lock = await lockCatalog(catalog, current?.lock, names, {
    onProgress: progressReporter(io),
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const text = await writeLockfile(opts.lockfile, cwd, lock);
  const plugins = Object.keys(lock.plugins).length;
  const files = Object.values(lock.plugins).reduce(
    (n, p) => n + p.artifacts.reduce((m, a) => m + a.files.length, 0),
    0,
  );
  if (opts.json)
    writeLine(io.stdout, JSON.stringify({ file, plugins, files, changed: text !== current?.text }, null, 2));
  else
    writeLine(
      io.stdout,
      `${text === current?.text ? "unchanged" : "wrote"} ${file}: ${plugins} plugins, ${files} files`,
    );
  return EXIT_OK;
}
