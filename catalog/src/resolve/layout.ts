import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type Cache, digestFile } from "../cache/cache.js";
import { ResolveError } from "../errors.js";
import { contentDigest, type Layout, prefixOf } from "../lock/plan.js";
import type { PinnedFile } from "../lock/types.js";
import { excludeMatcher } from "./exclude.js";
import { type ExtractedEntry, type ExtractLimits, extractArchive } from "./extract.js";

export interface MaterializedPlugin {
  /** `<cache>/plugins/<digest hex>/<name>`. */
  dir: string;
  digest: string;
  files: ExtractedEntry[];
  /** Per pinned file, what it became (relative to its prefix): an archive's contents, or the one copied file. */
  perFile: ExtractedEntry[][];
}

interface Manifest {
  name: string;
  digest: string;
  files: ExtractedEntry[];
}

function manifestPath(cache: Cache, hex: string): string {
  return join(cache.pluginsDir(), `${hex}.json`);
}

/** A plugin directory already in the cache under this digest (written only after it was complete). */
export async function cachedPlugin(
  cache: Cache,
  name: string,
  digest: string,
): Promise<MaterializedPlugin | undefined> {
  const hex = digest.replace(/^sha256:/, "");
  const text = await readFile(manifestPath(cache, hex), "utf8").catch(() => undefined);
  if (!text) return undefined;
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    return undefined; // a damaged cache entry is laid out again
  }
  const dir = join(cache.pluginsDir(), hex, name);
  if (
    m?.name !== name ||
    m.digest !== digest ||
    !Array.isArray(m.files) ||
    !(await stat(dir).catch(() => undefined))?.isDirectory()
  )
    return undefined;
  return { dir, digest, files: m.files, perFile: [] };
}

const FILE_NAME = /^(?!\.\.?$)[A-Za-z0-9._+-]+$/;

/** `path` inside `root`, or a ResolveError: nothing a lock names is ever written outside the plugin directory. */
function inside(root: string, path: string, what: string): string {
  const rel = relative(root, path);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || rel.startsWith(sep))
    throw new ResolveError(`refusing to write ${JSON.stringify(what)} outside the plugin directory`);
  return path;
}

/** A jar (or any zip) starts with a local file header, or is an empty archive's end record. */
async function isZip(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return (
      bytesRead === 4 &&
      head[0] === 0x50 &&
      head[1] === 0x4b &&
      ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
    );
  } finally {
    await fh.close();
  }
}

/**
 * Lays a plugin directory out in the cache from files already there: copies
 * plain files, unpacks archives safely, computes the digest, then renames the
 * whole directory into `<cache>/plugins/<digest>` (atomic; a concurrent kiln
 * that got there first wins and ours is discarded).
 */
export async function materializePlugin(
  cache: Cache,
  name: string,
  files: ReadonlyArray<PinnedFile & { cachePath: string }>,
  opts: { layout?: Layout; limits?: ExtractLimits } = {},
): Promise<MaterializedPlugin> {
  const layout = opts.layout ?? "plugin";
  if (!FILE_NAME.test(name)) throw new ResolveError(`${JSON.stringify(name)} is not a plugin name`);
  const tmp = await cache.tempPath("plugin");
  const root = join(tmp, name);
  try {
    await mkdir(root, { recursive: true });
    const all: ExtractedEntry[] = [];
    const perFile: ExtractedEntry[][] = [];
    for (const f of files) {
      const prefix = prefixOf(f, layout);
      let entries: ExtractedEntry[];
      if (!f.kafkaProvided) {
        if (!FILE_NAME.test(f.fileName))
          throw new ResolveError(`${JSON.stringify(f.fileName)} is not a plain file name (plugin ${name})`);
        const size = (await stat(f.cachePath)).size;
        if (size !== f.size)
          throw new ResolveError(
            `${f.fileName} is ${size} bytes, but the lock says ${f.size} (plugin ${name})`,
          );
      }
      if (f.kafkaProvided) {
        entries = [];
      } else if (f.unpack) {
        entries = await extractArchive(f.cachePath, f.unpack, join(root, prefix), {
          ...opts.limits,
          label: f.fileName,
        });
        if (f.exclude) {
          // Unpacked, then removed: the files an entry excludes never reach the plugin directory.
          const excluded = excludeMatcher(f.exclude);
          for (const e of entries.filter((x) => excluded(x.path)))
            await rm(join(root, prefix, e.path), { force: true });
          entries = entries.filter((x) => !excluded(x.path));
        }
      } else {
        const dest = inside(root, join(root, prefix, f.fileName), f.fileName);
        await mkdir(dirname(dest), { recursive: true });
        await copyFile(f.cachePath, dest, constants.COPYFILE_EXCL).catch((err: NodeJS.ErrnoException) => {
          throw err.code === "EEXIST"
            ? new ResolveError(`${f.fileName} would overwrite a file of the same name in plugin ${name}`)
            : err;
        });
        await chmod(dest, 0o644);
        const d = await digestFile(dest);
        entries = [{ path: f.fileName, mode: 0o644, size: d.size, sha256: d.sha256, sha512: d.sha512 }];
      }
      perFile.push(entries);
      all.push(...entries.map((e) => ({ ...e, path: prefix + e.path })));
    }
    all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // A file named .jar that is not a zip would bake fine and fail only in the worker's class loader.
    for (const e of all) {
      if (e.mode !== 0o120777 && /\.jar$/i.test(e.path) && !(await isZip(join(root, e.path))))
        throw new ResolveError(
          `${e.path} in plugin ${name} is not a jar: it does not start with a zip header (the artifact is not what its name says)`,
        );
    }
    const digest = contentDigest(all);
    const hex = digest.replace(/^sha256:/, "");
    const final = join(cache.pluginsDir(), hex);
    await mkdir(cache.pluginsDir(), { recursive: true });
    const exists = (err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    };
    // The digest is of the contents, not the name: the same package under another name (an entry
    // renamed, or added again as another) joins the directory already there.
    await rename(tmp, final).catch(async (err) => {
      exists(err);
      await rename(root, join(final, name)).catch(exists);
    });
    const manifest: Manifest = { name, digest, files: all };
    const mtmp = `${manifestPath(cache, hex)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(mtmp, `${JSON.stringify(manifest)}\n`);
    await rename(mtmp, manifestPath(cache, hex));
    return { dir: join(final, name), digest, files: all, perFile };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
