import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, open, symlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as tarExtract } from "tar-stream";
import yauzl from "yauzl";
import { UnsafeArchiveError } from "../errors.js";
import type { ContentEntry } from "../lock/types.js";

export interface ExtractLimits {
  /** Total bytes written (default 1 GiB): stops zip and gzip bombs. */
  maxBytes?: number;
  /** Entries (default 20 000). */
  maxEntries?: number;
}

export interface ExtractedEntry extends ContentEntry {
  sha512: string;
}

const DEFAULT_MAX_BYTES = 1 << 30;
const DEFAULT_MAX_ENTRIES = 20_000;
export const SYMLINK_MODE = 0o120777;

/** The normalised mode kiln writes: 0755 when any execute bit is set, else 0644. */
export function normaliseMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

/**
 * A safe relative path for an archive entry, or a reason to refuse it:
 * no absolute paths, drive letters, backslashes or `..`; `./` and trailing `/` dropped.
 */
export function safeEntryPath(name: string): { path: string } | { reason: string } {
  if (name.includes("\0")) return { reason: `entry name contains a NUL byte` };
  if (name.includes("\\")) return { reason: `entry "${name}" uses a backslash` };
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name))
    return { reason: `entry "${name}" is an absolute path` };
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return { reason: `entry "${name}" climbs out with ".."` };
  return { path: parts.join("/") };
}

/** Where a link points, as a path inside the archive root; undefined when it escapes. */
export function linkTarget(entryPath: string, target: string): string | undefined {
  if (target.startsWith("/") || target.includes("\\")) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(entryPath), target));
  if (joined === ".." || joined.startsWith("../") || posix.isAbsolute(joined)) return undefined;
  return joined;
}

/** Shared bookkeeping for both formats: limits, symlinks, and what was written. */
class Writer {
  readonly entries: ExtractedEntry[] = [];
  readonly #files = new Map<string, ExtractedEntry>();
  readonly #links = new Set<string>();
  readonly #seen = new Set<string>();
  #bytes = 0;
  #count = 0;
  readonly maxBytes: number;
  readonly maxEntries: number;

  constructor(
    readonly archive: string,
    readonly root: string,
    limits: ExtractLimits,
  ) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  fail(reason: string): never {
    throw new UnsafeArchiveError(this.archive, reason);
  }

  /** Checks an entry name, counts it, and makes sure nothing is written through a symlink. */
  admit(name: string, isDir = false): string {
    if (++this.#count > this.maxEntries) this.fail(`more than ${this.maxEntries} entries`);
    const safe = safeEntryPath(name);
    if ("reason" in safe) this.fail(safe.reason);
    const parts = safe.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      if (this.#links.has(parts.slice(0, i).join("/"))) this.fail(`entry "${name}" goes through a symlink`);
    }
    if (!isDir && safe.path !== "") {
      if (this.#seen.has(safe.path)) this.fail(`entry "${safe.path}" appears twice`);
      this.#seen.add(safe.path);
    }
    return safe.path;
  }

  async dir(path: string): Promise<void> {
    await mkdir(join(this.root, path), { recursive: true, mode: 0o755 });
  }

  async file(path: string, mode: number, body: AsyncIterable<Buffer>, declaredSize?: number): Promise<void> {
    if (mode & 0o6000) this.fail(`entry "${path}" has the setuid or setgid bit`);
    if (declaredSize !== undefined && this.#bytes + declaredSize > this.maxBytes) {
      this.fail(`unpacks to more than ${this.maxBytes} bytes`);
    }
    const target = join(this.root, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const norm = normaliseMode(mode);
    const fh = await open(target, "wx", norm);
    const h256 = createHash("sha256");
    const h512 = createHash("sha512");
    let size = 0;
    try {
      for await (const chunk of body) {
        size += chunk.length;
        this.#bytes += chunk.length;
        // Counted as written, not as declared: a lying header cannot get past this.
        if (this.#bytes > this.maxBytes) this.fail(`unpacks to more than ${this.maxBytes} bytes`);
        h256.update(chunk);
        h512.update(chunk);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    const e = { path, mode: norm, size, sha256: h256.digest("hex"), sha512: h512.digest("hex") };
    this.entries.push(e);
    this.#files.set(path, e);
  }

  async symlink(path: string, target: string): Promise<void> {
    if (linkTarget(path, target) === undefined)
      this.fail(`symlink "${path}" -> "${target}" points outside the archive`);
    await mkdir(dirname(join(this.root, path)), { recursive: true, mode: 0o755 });
    await symlink(target, join(this.root, path));
    this.#links.add(path);
    const sha = (alg: string) => createHash(alg).update(target).digest("hex");
    this.entries.push({
      path,
      mode: SYMLINK_MODE,
      size: Buffer.byteLength(target),
      sha256: sha("sha256"),
      sha512: sha("sha512"),
    });
  }

  /** A tar hard link becomes a copy of a file already unpacked from the same archive. */
  async hardlink(path: string, linkname: string): Promise<void> {
    const safe = safeEntryPath(linkname);
    const source = "path" in safe ? this.#files.get(safe.path) : undefined;
    if (!source) this.fail(`hard link "${path}" -> "${linkname}" points outside the archive`);
    this.#bytes += source.size;
    if (this.#bytes > this.maxBytes) this.fail(`unpacks to more than ${this.maxBytes} bytes`);
    await mkdir(dirname(join(this.root, path)), { recursive: true, mode: 0o755 });
    await copyFile(join(this.root, source.path), join(this.root, path));
    const e = { ...source, path };
    this.entries.push(e);
    this.#files.set(path, e);
  }

  done(): ExtractedEntry[] {
    if (this.#count === 0) this.fail("the archive is empty");
    if (this.entries.length === 0) this.fail("the archive holds no files");
    return this.entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

async function extractTgz(w: Writer, archivePath: string): Promise<void> {
  const ex = tarExtract();
  const consume = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const isDir = h.type === "directory";
      const path = w.admit(h.name, isDir);
      switch (h.type) {
        case "file":
        case "contiguous-file":
          if (path === "") w.fail(`entry "${h.name}" has no name`);
          await w.file(path, h.mode ?? 0o644, entry as AsyncIterable<Buffer>, h.size);
          break;
        case "directory":
          if ((h.mode ?? 0) & 0o6000) w.fail(`directory "${h.name}" has the setuid or setgid bit`);
          await w.dir(path);
          entry.resume();
          break;
        case "symlink":
          await w.symlink(path, h.linkname ?? "");
          entry.resume();
          break;
        case "link":
          await w.hardlink(path, h.linkname ?? "");
          entry.resume();
          break;
        case "character-device":
        case "block-device":
        case "fifo":
          w.fail(`entry "${h.name}" is a ${h.type}`);
          break;
        default:
          // pax and GNU extension headers are read by tar-stream itself; nothing else is unpacked.
          entry.resume();
      }
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(archivePath), createGunzip(), ex), consume]);
  } catch (err) {
    if (err instanceof UnsafeArchiveError) throw err;
    const msg = (err as Error).message;
    w.fail(
      /unexpected end|incorrect header|invalid|truncated|Unexpected end/i.test(msg)
        ? `truncated or corrupt tar.gz (${msg})`
        : msg,
    );
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => (err ? reject(err) : resolve(zip as yauzl.ZipFile)),
    ),
  );
}

function readStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => {
      if (err || !s) return reject(err);
      // A lying size header makes the stream fail more than once; the reader sees the first
      // failure, and a later one must not become an uncaught error that kills the process.
      s.on("error", () => {});
      resolve(s);
    }),
  );
}

async function extractZip(w: Writer, archivePath: string): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(archivePath);
  } catch (err) {
    w.fail(`not a valid zip (${(err as Error).message})`);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject);
      zip.on("end", resolve);
      zip.on("entry", (entry: yauzl.Entry) => {
        (async () => {
          const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const kind = unixMode & 0o170000;
          const isDir = entry.fileName.endsWith("/") || kind === 0o040000;
          const path = w.admit(entry.fileName, isDir);
          if (isDir) {
            await w.dir(path);
          } else if (kind === 0o120000) {
            const chunks: Buffer[] = [];
            for await (const c of await readStream(zip, entry)) chunks.push(c as Buffer);
            await w.symlink(path, Buffer.concat(chunks).toString("utf8"));
          } else if (kind !== 0 && kind !== 0o100000) {
            w.fail(`entry "${entry.fileName}" is a device, fifo or socket`);
          } else {
            if (path === "") w.fail(`entry "${entry.fileName}" has no name`);
            await w.file(
              path,
              unixMode & 0o7777 || 0o644,
              await readStream(zip, entry),
              entry.uncompressedSize,
            );
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } catch (err) {
    if (err instanceof UnsafeArchiveError) throw err;
    w.fail(`corrupt zip (${(err as Error).message})`);
  } finally {
    zip.close();
  }
}

/**
 * Unpacks a tar.gz or zip into `dest` (which must be empty), refusing
 * anything that could write outside it or exhaust the disk. Returns every
 * file and symlink written, with normalised modes, sorted by path.
 */
export async function extractArchive(
  archivePath: string,
  format: "tgz" | "zip",
  dest: string,
  opts: ExtractLimits & { label?: string } = {},
): Promise<ExtractedEntry[]> {
  const w = new Writer(opts.label ?? archivePath, dest, opts);
  await mkdir(dest, { recursive: true });
  if (format === "tgz") await extractTgz(w, archivePath);
  else await extractZip(w, archivePath);
  return w.done();
}
