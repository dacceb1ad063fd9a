import type { BigIntStats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { KilnError } from "@kiln/schemas/core";
import { type DigestTable, digestFile, type FileDigestCache } from "./digest-cache.js";

/** One file of a plugin, as the lockfile or a directory walk describes it. */
export interface PluginFile {
  /** Path inside the plugin directory, `/`-separated, no leading `/`. */
  path: string;
  size?: number;
  sha256?: string;
  sha512?: string;
  /** Where the artifact came from (for the SBOM). */
  url?: string;
  license?: string;
  /** Coordinates of the artifact this file is (jar name/version for the SBOM). */
  name?: string;
  version?: string;
}

/**
 * What the builder needs from plugin resolution: a name, a version and a
 * directory holding the plugin's files. `files` may list them with digests
 * (the lockfile does); otherwise the directory is walked.
 */
export interface PluginSource {
  name: string;
  version: string;
  dir: string;
  files?: PluginFile[];
  license?: string;
  source?: string;
}

export class PluginSourceError extends KilnError {}

/**
 * A plugin file resolved against disk: absolute path, size, mode and sha256 — the lock's, the
 * digest cache's, or read (the lock's sha512 is passed on for the SBOM).
 */
export interface ResolvedFile extends PluginFile {
  abs: string;
  size: number;
  sha256: string;
  executable: boolean;
}

/** A file listed against disk whose sha256 may be unknown yet: to be learnt while it is read. */
export type ListedFile = Omit<ResolvedFile, "sha256"> & { sha256?: string };

/** A plugin's files as listed, and where digests learnt while reading them are recorded. */
export interface FileListing {
  files: ListedFile[];
  /** Records the sha256 of a listed file read at `hashedAt` (or later) for the next run. */
  learn(file: ListedFile, sha256: string, hashedAt: number): void;
  /** Writes the digests learnt (and drops files gone from the directory). */
  save(): Promise<void>;
}

async function walk(dir: string, root: string, out: string[]): Promise<void> {
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const abs = join(dir, ent.name);
    if (ent.isDirectory()) await walk(abs, root, out);
    else if (ent.isFile()) out.push(relative(root, abs).split(sep).join("/"));
    // Symlinks and special files are not plugin content; they are skipped on purpose.
  }
}

/**
 * Lists a plugin's files with sizes and what is known of their digests, checking listed ones
 * exist with the size the lock says. A sha256 the lock does not give comes from `digests` when
 * the file's identity is unchanged; else it is left for whoever reads the file next to learn —
 * a fresh layer hashes each file as it packs it, so a new file is read once, not twice.
 */
export async function listFiles(p: PluginSource, digests?: FileDigestCache): Promise<FileListing> {
  let listed = p.files;
  if (!listed) {
    const paths: string[] = [];
    try {
      await walk(p.dir, p.dir, paths);
    } catch (err) {
      throw new PluginSourceError(`plugin ${p.name}: cannot read its directory`, {
        location: { file: p.dir },
        cause: err,
      });
    }
    listed = paths.map((path) => ({ path }));
  }
  const files: ListedFile[] = [];
  const identities = new Map<ListedFile, BigIntStats>();
  const table: DigestTable | undefined =
    digests && listed.some((f) => !f.sha256) ? await digests.open(p.dir) : undefined;
  for (const f of listed) {
    if (f.path.startsWith("/") || f.path.split("/").includes(".."))
      throw new PluginSourceError(`plugin ${p.name}: file path "${f.path}" escapes the plugin directory`);
    const abs = join(p.dir, ...f.path.split("/"));
    const st = await lstat(abs, { bigint: true }).catch((err) => {
      throw new PluginSourceError(`plugin ${p.name}: file ${f.path} is missing`, {
        location: { file: abs },
        cause: err,
      });
    });
    if (!st.isFile())
      throw new PluginSourceError(`plugin ${p.name}: ${f.path} is not a regular file`, {
        location: { file: abs },
      });
    const size = Number(st.size);
    if (f.size !== undefined && f.size !== size)
      throw new PluginSourceError(`plugin ${p.name}: ${f.path} is ${size} bytes, the lock says ${f.size}`, {
        location: { file: abs },
      });
    const sha256 = f.sha256 ?? table?.get(f.path, st);
    const file: ListedFile = {
      ...f,
      abs,
      size,
      ...(sha256 ? { sha256 } : {}),
      executable: (st.mode & 0o111n) !== 0n,
    };
    identities.set(file, st);
    files.push(file);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    files,
    learn(file, sha256, hashedAt) {
      const st = identities.get(file);
      if (st && !file.sha256) table?.set(file.path, st, sha256, hashedAt);
    },
    save: async () => table?.save(),
  };
}

/** The files of a listing with every unknown sha256 read here (and recorded for the next run). */
export async function resolveListing(listing: FileListing): Promise<ResolvedFile[]> {
  const out: ResolvedFile[] = [];
  for (const f of listing.files) {
    if (f.sha256) {
      out.push({ ...f, sha256: f.sha256 });
      continue;
    }
    const hashedAt = Date.now();
    const sha256 = await digestFile(f.abs);
    listing.learn(f, sha256, hashedAt);
    out.push({ ...f, sha256 });
  }
  await listing.save();
  return out;
}

/** {@link listFiles}, with every unknown sha256 read here (and recorded in `digests`). */
export async function resolveFiles(
  p: PluginSource,
  opts: { digests?: FileDigestCache } = {},
): Promise<ResolvedFile[]> {
  return resolveListing(await listFiles(p, opts.digests));
}
