import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { KilnError } from "@kiln/schemas";

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

/** A plugin file resolved against disk: absolute path, size, mode and sha256 (hashed here when the lock did not say). */
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

export async function sha256File(abs: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Lists a plugin's files with sizes and sha256s, checking listed ones exist with the size the lock says. */
export async function resolveFiles(p: PluginSource): Promise<ResolvedFile[]> {
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
  for (const f of listed) {
    if (f.path.startsWith("/") || f.path.split("/").includes(".."))
      throw new PluginSourceError(`plugin ${p.name}: file path "${f.path}" escapes the plugin directory`);
    const abs = join(p.dir, ...f.path.split("/"));
    const st = await lstat(abs).catch((err) => {
      throw new PluginSourceError(`plugin ${p.name}: file ${f.path} is missing`, {
        location: { file: abs },
        cause: err,
      });
    });
    if (!st.isFile())
      throw new PluginSourceError(`plugin ${p.name}: ${f.path} is not a regular file`, {
        location: { file: abs },
      });
    if (f.size !== undefined && f.size !== st.size)
      throw new PluginSourceError(
        `plugin ${p.name}: ${f.path} is ${st.size} bytes, the lock says ${f.size}`,
        {
          location: { file: abs },
        },
      );
    out.push({
      ...f,
      abs,
      size: st.size,
      sha256: f.sha256 ?? (await sha256File(abs)),
      executable: (st.mode & 0o111) !== 0,
    });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
