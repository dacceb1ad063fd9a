import { readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  applyEntryChanges,
  type Bump,
  bumpEntry,
  findUpdates,
  lockCatalog,
  type OutdatedReport,
  type ProgressEvent,
  readCatalog,
} from "@kiln/catalog";
import { KilnError } from "@kiln/schemas";
import { requireCatalog } from "./catalog.js";
import type { RunContext } from "./context.js";
import { readLockfile, writeLockfile } from "./lockfile.js";

const noEntry = (name: string) =>
  new KilnError(`no catalog entry named "${name}" (kiln catalog list shows them)`);

/**
 * `kiln catalog outdated`: the entries (default: all) with newer releases — Maven metadata
 * through the configured mirrors, GitHub releases with a token.
 */
export async function outdated(
  req: { catalog: string; names?: string[]; pre?: boolean },
  ctx: RunContext,
): Promise<OutdatedReport> {
  const catalog = await requireCatalog(req.catalog, ctx.cwd);
  const names = req.names ?? [];
  for (const n of names) if (!catalog.get(n)) throw noEntry(n);
  const entries = catalog.entries
    .map((e) => e.entry)
    .filter((e) => names.length === 0 || names.includes(e.name));
  return findUpdates(entries, {
    ...(req.pre ? { pre: true } : {}),
    resolve: { env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  });
}

export interface BumpRequest {
  catalog: string;
  lockfile?: string;
  name: string;
  to: string;
  /** Bump even when the release's plugin classes differ. */
  acceptClasses?: boolean;
}

/**
 * Moves entry `name` of the catalog in `ctx.cwd` to release `to`: the entry file rewritten in
 * place (comments kept) and the lock updated. Throws ClassesChangedError (nothing written) when
 * the release's classes differ and `acceptClasses` is not set.
 */
export async function bumpInPlace(
  req: BumpRequest,
  ctx: RunContext,
  onProgress?: (e: ProgressEvent) => void,
): Promise<{ bump: Bump; file: string }> {
  const { cwd } = ctx;
  const catalog = await requireCatalog(req.catalog, cwd);
  const loaded = catalog.entries.find((e) => e.entry.name === req.name);
  if (!loaded) throw noEntry(req.name);
  const resolveOpts = {
    env: ctx.env,
    ...(onProgress ? { onProgress } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  const bump = await bumpEntry(loaded.entry, req.to, {
    ...(req.acceptClasses ? { acceptClasses: true } : {}),
    resolve: resolveOpts,
  });
  const file = resolve(cwd, loaded.source.file);
  const text = applyEntryChanges(await readFile(file, "utf8"), bump.before, bump.after);
  const tmp = `${file}.kiln-bump.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  const after = (await readCatalog(resolve(cwd, req.catalog), { cwd })).catalog;
  if (!after)
    throw new KilnError(
      `${loaded.source.file} was rewritten but the catalog does not read back; run kiln validate`,
    );
  const current = await readLockfile(req.lockfile, cwd);
  await writeLockfile(req.lockfile, cwd, await lockCatalog(after, current?.lock, [req.name], resolveOpts));
  return { bump, file: loaded.source.file };
}

export type BumpOutcome =
  | { bumped: true; bump: Bump; file: string; to: string }
  /** No version given and none newer found; `reason` when the newest release could not be told. */
  | { bumped: false; current: string; reason?: string };

/**
 * `kiln catalog bump <name> [version]`: moves an entry to a release (default: the newest
 * `outdated` finds), downloads its artifacts (sha512 recomputed), re-inspects it, rewrites the
 * entry in place and updates the lock.
 */
export async function bump(
  req: Omit<BumpRequest, "to"> & { to?: string; pre?: boolean },
  ctx: RunContext,
  onProgress?: (e: ProgressEvent) => void,
): Promise<BumpOutcome> {
  const catalog = await requireCatalog(req.catalog, ctx.cwd);
  const loaded = catalog.get(req.name);
  if (!loaded) throw noEntry(req.name);
  let to = req.to;
  if (!to) {
    const report = await findUpdates([loaded], {
      ...(req.pre ? { pre: true } : {}),
      resolve: {
        env: ctx.env,
        ...(onProgress ? { onProgress } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      },
    });
    const update = report.updates[0];
    if (!update) {
      const reason = report.unchecked[0]?.reason;
      return { bumped: false, current: loaded.version, ...(reason ? { reason } : {}) };
    }
    to = update.latest;
  }
  const { pre: _pre, ...rest } = req;
  const done = await bumpInPlace({ ...rest, to }, ctx, onProgress);
  return { bumped: true, ...done, to };
}
