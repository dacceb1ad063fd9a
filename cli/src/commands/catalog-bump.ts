import { readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  applyEntryChanges,
  type Bump,
  bumpEntry,
  findUpdates,
  lockCatalog,
  type ProgressEvent,
  readCatalog,
} from "@kiln/catalog";
import { KilnError } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { readLockfile, writeLockfile } from "../lockfile.js";
import { progressReporter } from "../progress.js";

interface Options {
  catalog: string;
  lockfile?: string;
  classes?: boolean;
  pre?: boolean;
  json?: boolean;
}

/**
 * Moves entry `name` of the catalog in `cwd` to release `to`: the entry file rewritten in place
 * (comments kept) and the lock updated. Throws ClassesChangedError (nothing written) when the
 * release's classes differ and `acceptClasses` is not set.
 */
export async function bumpInPlace(
  cwd: string,
  opts: {
    catalog: string;
    lockfile?: string;
    name: string;
    to: string;
    acceptClasses?: boolean;
    env: NodeJS.ProcessEnv;
    onProgress?: (e: ProgressEvent) => void;
    signal?: AbortSignal;
  },
): Promise<{ bump: Bump; file: string }> {
  const catalog = await requireCatalog(opts.catalog, cwd);
  const loaded = catalog.entries.find((e) => e.entry.name === opts.name);
  if (!loaded) throw new KilnError(`no catalog entry named "${opts.name}" (kiln catalog list shows them)`);
  const resolveOpts = {
    env: opts.env,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const bump = await bumpEntry(loaded.entry, opts.to, {
    ...(opts.acceptClasses ? { acceptClasses: true } : {}),
    resolve: resolveOpts,
  });
  const file = resolve(cwd, loaded.source.file);
  const text = applyEntryChanges(await readFile(file, "utf8"), bump.before, bump.after);
  const tmp = `${file}.kiln-bump.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  const after = (await readCatalog(resolve(cwd, opts.catalog), { cwd })).catalog;
  if (!after)
    throw new KilnError(
      `${loaded.source.file} was rewritten but the catalog does not read back; run kiln validate`,
    );
  const current = await readLockfile(opts.lockfile, cwd);
  await writeLockfile(opts.lockfile, cwd, await lockCatalog(after, current?.lock, [opts.name], resolveOpts));
  return { bump, file: loaded.source.file };
}

/**
 * `kiln catalog bump <name> [version]`: moves an entry to a release (default: the newest
 * `outdated` finds), downloads its artifacts (sha512 recomputed), re-inspects it (classes that
 * vanished or appeared stop it, listed, unless --classes), rewrites the entry in place
 * (comments kept) and updates the lock. `kiln pr` then runs conformance as for any change.
 */
export async function run(
  io: CommandIO,
  name: string,
  version: string | undefined,
  opts: Options,
): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const catalog = await requireCatalog(opts.catalog, cwd);
  const loaded = catalog.get(name);
  if (!loaded) throw new KilnError(`no catalog entry named "${name}" (kiln catalog list shows them)`);
  const onProgress = progressReporter(io);
  let to = version;
  if (!to) {
    const report = await findUpdates([loaded], {
      ...(opts.pre ? { pre: true } : {}),
      resolve: { env: io.env, onProgress, ...(io.signal ? { signal: io.signal } : {}) },
    });
    const update = report.updates[0];
    if (!update) {
      const why = report.unchecked[0]?.reason;
      writeLine(
        io.stdout,
        why
          ? `${name}: cannot tell the newest release (${why}); name a version`
          : `${name} ${loaded.version} is the newest release`,
      );
      return why ? EXIT_FAILURE : EXIT_OK;
    }
    to = update.latest;
  }
  const { bump, file } = await bumpInPlace(cwd, {
    catalog: opts.catalog,
    ...(opts.lockfile ? { lockfile: opts.lockfile } : {}),
    name,
    to,
    ...(opts.classes ? { acceptClasses: true } : {}),
    env: io.env,
    onProgress,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (opts.json)
    writeLine(
      io.stdout,
      JSON.stringify({ name, from: bump.before.version, to, file, changes: bump.changes }, null, 2),
    );
  else {
    writeLine(
      io.stdout,
      `${name}: ${bump.before.version} → ${to} (${file}, ${opts.lockfile ?? "kiln.lock.json"})`,
    );
    for (const c of bump.changes) writeLine(io.stdout, `  ${c}`);
    for (const e of bump.report.errors) writeLine(io.stdout, `error: ${e}`);
    writeLine(io.stdout, "next: kiln pr --conformance (or open the PR: its checks run conformance)");
  }
  return bump.report.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
