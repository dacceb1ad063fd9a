// The plugin directory a lock pins, planned from the lock alone (pure): its listing in either
// layout and its content digest. `materializePlugin` writes what this plans.
import { createHash } from "node:crypto";
import { ResolveError } from "../errors.js";
import type { ContentEntry, PinnedFile } from "./types.js";

/**
 * `plugin`: `<root>/<plugin>/…` (jars flat, archives as they unpack).
 * `strimzi`: `<root>/<plugin>/<first 8 hex of sha1(url)>/…`, as Strimzi's `spec.build` lays artifacts out.
 */
export type Layout = "plugin" | "strimzi";

export function strimziHash(url: string): string {
  return createHash("sha1").update(url).digest("hex").slice(0, 8);
}

export function prefixOf(file: PinnedFile, layout: Layout): string {
  return layout === "strimzi" ? `${strimziHash(file.url)}/` : "";
}

/** Files that go into the plugin directory (jars Kafka ships stay out). */
export function laidOutFiles(files: readonly PinnedFile[]): PinnedFile[] {
  return files.filter((f) => !f.kafkaProvided);
}

/** One file of a planned plugin directory, with the URL of the artifact it comes from. */
export type PlannedEntry = ContentEntry & { url: string };

/**
 * The listing of a plugin directory, computed from pinned files alone (no
 * I/O): what `materializePlugin` writes, so a lock can be checked without
 * downloading anything, and where each file comes from. Throws when two files
 * would land on one path.
 */
export function planPlugin(files: readonly PinnedFile[], layout: Layout = "plugin"): PlannedEntry[] {
  const out = new Map<string, PlannedEntry>();
  const add = (e: ContentEntry, from: PinnedFile) => {
    if (out.has(e.path))
      throw new ResolveError(`${from.fileName} would overwrite ${e.path} in the plugin directory`);
    out.set(e.path, { ...e, url: from.url });
  };
  for (const f of laidOutFiles(files)) {
    const prefix = prefixOf(f, layout);
    if (f.unpack) {
      if (!f.contents)
        throw new ResolveError(`the lock lists no contents for archive ${f.fileName}; run kiln lock`);
      for (const c of f.contents) add({ ...c, path: prefix + c.path }, f);
    } else {
      if (!f.sha256) throw new ResolveError(`the lock has no sha256 for ${f.fileName}; run kiln lock`);
      add({ path: prefix + f.fileName, mode: 0o644, size: f.size, sha256: f.sha256 }, f);
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The plugin's content digest: sha256 over its sorted (path, mode, sha256) listing. Deterministic. */
export function contentDigest(entries: readonly ContentEntry[]): string {
  const h = createHash("sha256");
  for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${e.path}\0${e.mode.toString(8)}\0${e.sha256}\n`);
  }
  return `sha256:${h.digest("hex")}`;
}
