import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { KilnError } from "@kiln/schemas";
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
 * A plugin file resolved against disk: absolute path, size, mode and digests — the lock's, or
 * read here (sha256 and sha512 in one pass) unless a digest cache knows the file unchanged.
 */
export interface ResolvedFile extends PluginFile {
  abs: string;
  size: number;
  sha256: string;
  executable: boolean;
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
 * Lists a plugin's files with sizes and digests, checking listed ones exist with the size the
 * lock says. Digests the lock does not give come from `digests` when a file's identity is
 * unchanged, else from reading the file (and are recorded there).
 */
export async function resolveFiles(
  p: PluginSource,
  opts: { digests?: FileDigestCache } = {},
): Promise<ResolvedFile[]> {
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
  const out: ResolvedFile[] = [];
  let table: DigestTable | undefined;
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
    // The lock's digests; else, for what it does not give, the cache's or the file's own. Without
    // a cache (nobody asked for an SBOM's sha512), the lock's sha256 alone will do.
    let { sha256, sha512 } = f;
    if (!sha256 || (!sha512 && opts.digests)) {
      if (opts.digests) table ??= await opts.digests.open(p.dir);
      let known = table?.get(f.path, st);
      if (!known) {
        const hashedAt = Date.now();
        known = await digestFile(abs);
        table?.set(f.path, st, known, hashedAt);
      }
      sha256 ??= known.sha256;
      sha512 ??= known.sha512;
    }
    out.push({
      ...f,
      abs,
      size,
      sha256,
      ...(sha512 ? { sha512 } : {}),
      executable: (st.mode & 0o111n) !== 0n,
    });
  }
  await table?.save();
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
