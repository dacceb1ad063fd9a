import { readFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { Catalog, readCatalog } from "@kiln/catalog";
import { type Cluster, type ConnectorPlugin, type Diagnostic, loadSpec, SpecError } from "@kiln/schemas";
import { type ClusterRef, diffCatalog, type EntryChange } from "./changes.js";
import { changedFiles, fileAt, uncommittedFiles, untrackedFiles } from "./git.js";

const SPEC = /\.(ya?ml|json)$/;

export interface PrChanges {
  /** The head catalog; when it has errors, the entries that loaded on their own (so they can still be checked). */
  catalog: Catalog;
  diagnostics: Diagnostic[];
  changes: EntryChange[];
  clusters: ClusterRef[];
  /** Catalog files (and the lock) that differ from the last commit: CI sees only what is committed. */
  uncommitted: string[];
}

function tryLoad<T>(text: string, file: string): T | undefined {
  try {
    return loadSpec<T>(text, file).value;
  } catch (err) {
    if (err instanceof SpecError) return undefined;
    throw err;
  }
}

/**
 * Reads what a PR changes: the head catalog (with every finding), the catalog
 * entries added, changed or removed since `base` (an entry file that does not
 * load is listed under its file name, so its row shows the failure), and the
 * cluster files that bake plugins into images.
 */
export async function collectChanges(
  repo: string,
  base: string,
  catalogDir: string,
  clusterFiles: string[],
  lockfile: string,
): Promise<PrChanges> {
  const catalogAbs = resolve(repo, catalogDir);
  const head = await readCatalog(catalogAbs, { cwd: repo });
  const rel = relative(repo, catalogAbs);
  // A new entry not yet added to git is still the PR's (git diff does not list it).
  const untracked = (await untrackedFiles(repo, rel)).map((path) => ({ status: "A", path }));
  const touched = [...(await changedFiles(repo, base)), ...untracked].filter(
    (f) => f.path.startsWith(`${rel}/`) && SPEC.test(f.path),
  );

  // Only touched files can hold entries that differ from the base.
  const before = new Map<string, ConnectorPlugin>();
  const after = new Map<string, { entry: ConnectorPlugin; file: string }>();
  const broken: EntryChange[] = [];
  for (const f of touched) {
    const old = await fileAt(repo, base, f.path);
    const was = old === undefined ? undefined : tryLoad<ConnectorPlugin>(old, f.path);
    if (was?.kind === "ConnectorPlugin") before.set(was.name, was);
    if (f.status === "D") continue;
    const now = tryLoad<ConnectorPlugin>(await readFile(join(repo, f.path), "utf8"), f.path);
    if (now?.kind === "ConnectorPlugin") after.set(now.name, { entry: now, file: f.path });
    else {
      const name = was?.name ?? basename(f.path).replace(SPEC, "");
      before.delete(name);
      broken.push({ name, change: was ? "changed" : "added", fields: ["does not load"], file: f.path });
    }
  }
  // An entry moved to another file is still in the catalog: not removed.
  for (const name of [...before.keys()])
    if (!after.has(name) && head.entries.some((e) => e.entry.name === name)) before.delete(name);

  const clusters: ClusterRef[] = [];
  for (const file of clusterFiles) {
    const spec = tryLoad<Cluster>(await readFile(join(repo, file), "utf8"), file);
    if (spec?.kind === "Cluster") {
      clusters.push({
        file,
        name: spec.name,
        connect: (spec.connect ?? []).map((c) => ({ name: c.name, plugins: c.plugins ?? [] })),
      });
    }
  }
  const changes = [...diffCatalog(before, after), ...broken].sort((a, b) => a.name.localeCompare(b.name));
  return {
    catalog: head.catalog ?? new Catalog(head.entries),
    diagnostics: head.diagnostics,
    changes,
    clusters,
    uncommitted: await uncommittedFiles(repo, [rel, lockfile]),
  };
}
