import { createHash, randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { mkdir, open as openFile, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A file's sha256 (hex): the digest its layer's cache key, the SBOM and the layer itself name
 * it by. (The lock also pins sha512s; a local file has no lock entry to check one against, and
 * sha512 costs three times sha256 on CPUs with SHA extensions.)
 */
export async function digestFile(abs: string): Promise<string> {
  const h = createHash("sha256");
  const fh = await openFile(abs, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest("hex");
}

/** What a file is, as far as the cache can tell without reading it. */
interface Identity {
  size: string;
  mtime: string;
  ctime: string;
  ino: string;
  dev: string;
}

interface Entry extends Identity {
  sha256: string;
  /** When the file was read (ms since the epoch), to tell a racily unchanged file from an unchanged one. */
  hashedAt: number;
}

function identity(st: BigIntStats): Identity {
  return {
    size: String(st.size),
    mtime: String(st.mtimeNs),
    ctime: String(st.ctimeNs),
    ino: String(st.ino),
    dev: String(st.dev),
  };
}

/**
 * A file changed again within its timestamps' granularity after it was read could keep its
 * identity (git's "racily clean" files): an entry is trusted only for a file last changed
 * longer than that granularity before it was read — 100 ms where timestamps have sub-second
 * resolution, 2 s where they have whole seconds — and such a file is read again once.
 */
function racyMs(st: BigIntStats): number {
  return st.ctimeNs % 1_000_000_000n === 0n ? 2000 : 100;
}

/** The digests known for the files of one directory; written back by `save`. */
export class DigestTable {
  readonly #file: string;
  readonly #dir: string;
  readonly #known: Map<string, Entry>;
  readonly #seen = new Map<string, Entry>();
  #changed = false;

  constructor(file: string, dir: string, known: Map<string, Entry>) {
    this.#file = file;
    this.#dir = dir;
    this.#known = known;
  }

  /** The sha256 of `path` (relative to the directory) when its identity is what it was when read. */
  get(path: string, st: BigIntStats): string | undefined {
    const e = this.#known.get(path);
    const id = identity(st);
    if (
      !e ||
      e.size !== id.size ||
      e.mtime !== id.mtime ||
      e.ctime !== id.ctime ||
      e.ino !== id.ino ||
      e.dev !== id.dev ||
      Math.max(Number(st.mtimeMs), Number(st.ctimeMs)) + racyMs(st) > e.hashedAt
    )
      return undefined;
    this.#seen.set(path, e);
    return e.sha256;
  }

  /** Records the sha256 of `path`, read at `hashedAt` (or earlier) while it had identity `st`. */
  set(path: string, st: BigIntStats, sha256: string, hashedAt: number): void {
    this.#seen.set(path, { ...identity(st), sha256, hashedAt });
    this.#changed = true;
  }

  /** Writes the entries used this time (files gone from the directory drop out); atomic, last writer wins. */
  async save(): Promise<void> {
    if (!this.#changed && this.#seen.size === this.#known.size) return;
    const tmp = `${this.#file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ dir: this.#dir, files: Object.fromEntries(this.#seen) }));
      await rename(tmp, this.#file);
    } catch {
      await rm(tmp, { force: true });
      // A cache that cannot be written only costs the next run a read of the files.
    }
  }
}

/**
 * Content digests of plugin files keyed by file identity — path, size, mtime, ctime, inode
 * and device, as BuildKit keys its content hashes — so an unchanged file is never read again
 * to learn its digests. One table per directory under `root`.
 */
export class FileDigestCache {
  constructor(readonly root: string) {}

  /** The digest cache kept beside a layer store (`<store>/kiln-files`). */
  static of(store: { root: string }): FileDigestCache {
    return new FileDigestCache(join(store.root, "kiln-files"));
  }

  async open(dir: string): Promise<DigestTable> {
    await mkdir(this.root, { recursive: true });
    const file = join(this.root, `${createHash("sha256").update(dir).digest("hex")}.json`);
    const known = new Map<string, Entry>();
    try {
      const doc = JSON.parse(await readFile(file, "utf8")) as {
        dir?: unknown;
        files?: Record<string, Entry>;
      };
      // A damaged or foreign table is ignored: it is only a cache.
      if (doc.dir === dir && doc.files && typeof doc.files === "object")
        for (const [path, e] of Object.entries(doc.files))
          if (typeof e?.sha256 === "string" && typeof e.hashedAt === "number") known.set(path, e);
    } catch {
      // none yet
    }
    return new DigestTable(file, dir, known);
  }
}
