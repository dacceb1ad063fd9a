import { createHash } from "node:crypto";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, type Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import { KilnError } from "@kiln/schemas/core";
import type { BlobStore } from "../layout/blob-store.js";
import { type Digest, isDigest } from "../model/digest.js";
import type { Layer } from "../model/image.js";
import { MediaType } from "../model/media.js";
import { StoredGzip } from "./stored-gzip.js";
import { LayerSourceError, TAR_CHUNK, tarChunks } from "./tar.js";

/**
 * How a layer is made; part of the reproducible recipe (and of the cache key):
 * the same entries and the same recipe give the same bytes.
 */
export interface LayerRecipe {
  /** gzip is readable everywhere; zstd needs Node's zlib zstd (Node 22.15+) and a runtime that reads it. */
  compression: "gzip" | "zstd";
  /**
   * gzip 0–9 / zstd 1–22 (see {@link checkLevel}), or "auto" (the default): gzip level 0 (stored
   * deflate blocks) when nine tenths of the bytes are already-compressed
   * archives (jars, zips, tarballs), else level 1. Re-deflating a jar costs
   * over ten times the time of storing it for a few percent of size, and
   * stored blocks are the same bytes under every zlib build (Node 20/22/24,
   * any CPU), where deflated output may differ between zlib versions.
   */
  level: number | "auto";
  /** Seconds since the epoch for every entry's mtime (SOURCE_DATE_EPOCH). */
  epoch: number;
}

export const DEFAULT_RECIPE: LayerRecipe = { compression: "gzip", level: "auto", epoch: 0 };

const LEVELS = { gzip: [0, 9], zstd: [1, 22] } as const;

/** Refuses a level its compression does not have: gzip 0 (stored blocks) to 9, zstd 1 to 22. */
export function checkLevel(compression: LayerRecipe["compression"], level: number): void {
  const [min, max] = LEVELS[compression];
  if (!Number.isInteger(level) || level < min || level > max)
    throw new KilnError(
      `${compression} takes a compression level from ${min} to ${max}, or auto; got ${level}`,
    );
}

export function recipeFromEnv(env: NodeJS.ProcessEnv, over: Partial<LayerRecipe> = {}): LayerRecipe {
  if (typeof over.level === "number") checkLevel(over.compression ?? DEFAULT_RECIPE.compression, over.level);
  const raw = env.SOURCE_DATE_EPOCH;
  let epoch = 0;
  if (raw !== undefined && raw !== "") {
    if (!/^[0-9]+$/.test(raw)) throw new KilnError(`SOURCE_DATE_EPOCH must be whole seconds, got "${raw}"`);
    epoch = Number(raw);
  }
  return { ...DEFAULT_RECIPE, epoch, ...over };
}

export class UnsupportedCompressionError extends KilnError {}

export function zstdSupported(): boolean {
  return typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === "function";
}

/** One tar entry: a directory, or a regular file read from `abs` (its sha256 learnt then when not given). */
export type LayerEntry =
  | { type: "directory"; path: string }
  | { type: "file"; path: string; abs: string; size: number; sha256?: string; executable?: boolean };

/** Byte-order comparison (not locale order), so every machine sorts alike. */
function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Entries for files placed under `root` (e.g. `opt/kafka/plugins/jdbc`): the
 * root directory itself, every directory below it, and the files, sorted.
 * Parents of `root` are not written, so the base's directories keep their owner and mode.
 */
export function entriesUnder(
  root: string,
  files: Array<{ path: string; abs: string; size: number; sha256?: string; executable?: boolean }>,
): LayerEntry[] {
  const clean = root.replace(/^\/+|\/+$/g, "");
  const dirs = new Set<string>();
  if (clean) dirs.add(clean);
  const out: LayerEntry[] = [];
  for (const f of files) {
    const full = clean ? `${clean}/${f.path}` : f.path;
    const parts = full.split("/");
    for (let i = clean ? clean.split("/").length + 1 : 1; i < parts.length; i++)
      dirs.add(parts.slice(0, i).join("/"));
    out.push({
      type: "file",
      path: full,
      abs: f.abs,
      size: f.size,
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
      executable: f.executable ?? false,
    });
  }
  for (const d of dirs) out.push({ type: "directory", path: d });
  return out.sort(byPath);
}

const COMPRESSED = /\.(jar|war|ear|zip|nar|gz|tgz|bz2|xz|zst|7z|png|jpe?g|gif|woff2?)$/i;

/** The level a layer is compressed at: "auto" is decided by its entries alone, so it stays reproducible. */
export function effectiveLevel(entries: LayerEntry[], recipe: LayerRecipe): number {
  if (recipe.level !== "auto") return recipe.level;
  if (recipe.compression === "zstd") return 3;
  let total = 0;
  let packed = 0;
  for (const e of entries)
    if (e.type === "file") {
      total += e.size;
      if (COMPRESSED.test(e.path)) packed += e.size;
    }
  return total > 0 && packed / total >= 0.9 ? 0 : 1;
}

/** The cache key: everything that decides the layer's bytes, and nothing else (every file's sha256 known). */
export function layerKey(entries: LayerEntry[], recipe: LayerRecipe): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ v: 1, recipe: { ...recipe, level: effectiveLevel(entries, recipe) } }));
  for (const e of entries)
    h.update(
      e.type === "file" ? `\nF ${e.path} ${e.size} ${e.sha256} ${e.executable ? 1 : 0}` : `\nD ${e.path}`,
    );
  return h.digest("hex");
}

function compressor(recipe: LayerRecipe, level: number): Transform {
  if (recipe.compression === "zstd") {
    const z = zlib as unknown as {
      createZstdCompress?: (o: object) => Transform;
      constants: Record<string, number>;
    };
    if (!z.createZstdCompress)
      throw new UnsupportedCompressionError(
        `zstd layers need Node.js 22.15 or newer (this is ${process.version}); use gzip`,
      );
    return z.createZstdCompress({
      chunkSize: TAR_CHUNK,
      params: {
        [z.constants.ZSTD_c_compressionLevel as number]: level,
        [z.constants.ZSTD_c_checksumFlag as number]: 1,
      },
    });
  }
  return zlib.createGzip({ level, chunkSize: TAR_CHUNK });
}

export interface LayerWriteResult {
  digest: Digest;
  diffId: Digest;
  size: number;
  mediaType: string;
  /** True when the layer came from the cache without being rebuilt. */
  cached: boolean;
  /** True when the bytes also went to a registry while they were made (see `EagerSink`). */
  eagerUploaded?: boolean;
  /**
   * True when the bytes went to a registry only, not to the store (`keepLocal: false`), in this
   * run or the one that made the layer: {@link madeLayer} makes them again if they are read.
   */
  remoteOnly?: boolean;
  /** The sha256 of each file entry given without one, by `abs`, hashed as it was packed. */
  learned?: Map<string, string>;
}

/**
 * A second destination for a layer's compressed bytes while they are made:
 * a registry upload session, so a fresh layer is compressed, hashed, cached
 * and uploaded in one pass. The digest is known only at the end (`finish`).
 */
export interface EagerSink {
  begin(): Promise<{
    write(chunk: Buffer): Promise<void>;
    /**
     * The digest, once the last bytes are written; rejects when the registry has not taken
     * them. A sink may return before the registry has committed the blob if it tells whoever
     * asks later (eagerUpload's `presence`).
     */
    finish(digest: Digest, size: number): Promise<void>;
    abort(): void;
  }>;
}

/** A layer held in a blob store. */
export function storedLayer(
  store: BlobStore,
  r: { digest: Digest; diffId: Digest; size: number; mediaType: string },
): Layer {
  return {
    descriptor: { mediaType: r.mediaType, digest: r.digest, size: r.size },
    diffId: r.diffId,
    open: async () => store.open(r.digest),
  };
}

/** The layer memo for a key: where a layer made before with the same key is recorded. */
const memoPath = (store: BlobStore, key: string) => join(store.root, "kiln-layers", `${key}.json`);

interface Memo {
  digest: Digest;
  diffId: Digest;
  size: number;
  /** false: the layer went to a registry only, and its bytes are not in the store. */
  local?: false;
}

/**
 * A layer recorded under `key` whose blob is still in the store, or that went to a registry
 * only; a damaged memo is a miss.
 */
async function memoised(store: BlobStore, key: string): Promise<Memo | undefined> {
  const hit = await readFile(memoPath(store, key), "utf8").then(
    (t) => {
      try {
        return JSON.parse(t) as Memo;
      } catch {
        return undefined;
      }
    },
    () => undefined,
  );
  const valid =
    typeof hit?.digest === "string" &&
    isDigest(hit.digest) &&
    typeof hit.diffId === "string" &&
    isDigest(hit.diffId) &&
    Number.isSafeInteger(hit.size) &&
    hit.size >= 0;
  if (!hit || !valid) return undefined;
  return hit.local === false || (await store.has(hit.digest).catch(() => false)) ? hit : undefined;
}

async function remember(store: BlobStore, key: string, memo: Memo): Promise<void> {
  await mkdir(join(store.root, "kiln-layers"), { recursive: true });
  await writeFile(memoPath(store, key), JSON.stringify(memo));
}

/**
 * Writes a reproducible layer into `store` (tar → diff_id hash → compress →
 * digest hash → temp file → rename), streaming: memory stays flat whatever the
 * size. A layer with the same key built before is reused without reading its files.
 * Files given without a sha256 are hashed as they are packed (`learned`), and the layer is
 * keyed afterwards: a file kiln has not seen is read once, not once to key and once to pack.
 * With `eager` and `keepLocal: false`, a layer the registry takes is not written to the store
 * at all (one write of its bytes instead of two): {@link madeLayer} makes it again from its
 * files should its bytes be read later.
 */
export async function writeLayer(
  entries: LayerEntry[],
  recipe: LayerRecipe,
  store: BlobStore,
  opts: {
    mediaType?: string;
    eager?: EagerSink;
    keepLocal?: boolean;
    /** Called once the layer's bytes are made, before the registry has taken them. */
    onMade?: () => void;
  } = {},
): Promise<LayerWriteResult> {
  const mediaType =
    opts.mediaType ?? (recipe.compression === "zstd" ? MediaType.OCI_LAYER_ZSTD : MediaType.OCI_LAYER_GZIP);
  const keyed = entries.every((e) => e.type === "directory" || e.sha256 !== undefined);
  if (keyed) {
    const hit = await memoised(store, layerKey(entries, recipe));
    if (hit)
      return {
        digest: hit.digest,
        diffId: hit.diffId,
        size: hit.size,
        mediaType,
        cached: true,
        ...(hit.local === false ? { remoteOnly: true } : {}),
      };
  }
  const made = await makeLayer(entries, recipe, store, opts.eager, opts.keepLocal ?? true, opts.onMade).catch(
    (err) => {
      // The registry dropped a layer kept nowhere else: make it again, into the store.
      if (err instanceof EagerLost) return makeLayer(entries, recipe, store, undefined, true);
      throw err;
    },
  );
  const { digest, diffId, size, uploaded, learned, local } = made;
  await remember(store, keyWith(entries, recipe, learned), {
    digest,
    diffId,
    size,
    ...(local ? {} : { local: false as const }),
  });
  return {
    digest,
    diffId,
    size,
    mediaType,
    cached: false,
    ...(uploaded ? { eagerUploaded: true } : {}),
    ...(local ? {} : { remoteOnly: true }),
    ...(learned.size > 0 ? { learned } : {}),
  };
}

/** The key of `entries`, with the digests of files learnt while they were packed. */
function keyWith(entries: LayerEntry[], recipe: LayerRecipe, learned: Map<string, string>): string {
  return layerKey(
    entries.map((e) => (e.type === "file" && !e.sha256 ? { ...e, sha256: learned.get(e.abs) } : e)),
    recipe,
  );
}

/** The eager upload failed for a layer that was going nowhere else. */
class EagerLost extends Error {}

/** One pass over the entries: the layer's bytes to the store, to `eager`, or to both. */
async function makeLayer(
  entries: LayerEntry[],
  recipe: LayerRecipe,
  store: BlobStore,
  eagerSink: EagerSink | undefined,
  keepLocal: boolean,
  onMade?: () => void,
): Promise<{
  digest: Digest;
  diffId: Digest;
  size: number;
  uploaded: boolean;
  learned: Map<string, string>;
  local: boolean;
}> {
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  const learned = new Map<string, string>();
  let size = 0;
  // Best effort: a failed eager upload is dropped, and the push uploads the stored file later
  // (a layer going nowhere else is made again, into the store: see `writeLayer`).
  let eager = eagerSink ? await eagerSink.begin().catch(() => undefined) : undefined;
  // No session, no skipping the store: the push needs the bytes from somewhere.
  const local = keepLocal || !eager;
  const feed = async (chunk: Buffer) => {
    if (!eager) return;
    try {
      await eager.write(chunk);
    } catch {
      eager.abort();
      eager = undefined;
      if (!local) throw new EagerLost();
    }
  };
  const tmp = local ? await store.tempPath() : undefined;
  const file = tmp ? await open(tmp, "w") : undefined;
  try {
    // Megabyte chunks: the tar (hashed as it is made), the compressor, and one sink that hashes
    // the compressed bytes and sends each chunk to the cache file and the registry at once.
    // Stored blocks (level 0) are framed by kiln itself as the tar is made (the same bytes for
    // any chunking), from one read buffer: a stage less, and a fresh buffer per megabyte less.
    const level = effectiveLevel(entries, recipe);
    const stored = recipe.compression === "gzip" && level === 0 ? new StoredGzip() : undefined;
    const zlibGzip = recipe.compression === "gzip" && !stored;
    const tar = Readable.from(
      (async function* () {
        const readBuffer = stored ? Buffer.allocUnsafe(TAR_CHUNK) : undefined;
        for await (const chunk of tarChunks(entries, recipe.epoch, learned, readBuffer)) {
          diffHash.update(chunk);
          if (!stored) yield chunk;
          else {
            const framed = stored.push(chunk);
            if (framed) yield framed;
          }
        }
        if (stored) yield stored.end();
      })(),
      { objectMode: false, highWaterMark: 4 * TAR_CHUNK },
    );
    const sink = new Writable({
      highWaterMark: 4 * TAR_CHUNK,
      write(chunk: Buffer, _enc, cb) {
        if (zlibGzip && size <= 9 && size + chunk.length > 9) {
          chunk = Buffer.from(chunk);
          chunk[9 - size] = 0xff; // zlib writes its build's OS byte: "unknown", as reproducible-builds tools write
        }
        blobHash.update(chunk);
        size += chunk.length;
        Promise.all([file?.write(chunk), feed(chunk)]).then(() => cb(), cb);
      },
    });
    await (stored ? pipeline(tar, sink) : pipeline(tar, compressor(recipe, level), sink));
    await file?.close();
    onMade?.();
  } catch (err) {
    eager?.abort();
    await file?.close().catch(() => {});
    if (tmp) await rm(tmp, { force: true });
    throw err;
  }
  const digest = `sha256:${blobHash.digest("hex")}` as Digest;
  const diffId = `sha256:${diffHash.digest("hex")}` as Digest;
  const uploaded = eager
    ? await eager.finish(digest, size).then(
        () => true,
        () => false,
      )
    : false;
  if (tmp) await store.commit(tmp, digest);
  else if (!uploaded) throw new EagerLost();
  return { digest, diffId, size, uploaded, learned, local };
}

/**
 * The layer `writeLayer` gave for `entries`, read from the store. A layer that went to a
 * registry only is made again from its files, into the store, the first time it is read (a
 * push to another registry, an OCI layout, Docker); files changed since then fail it, rather
 * than give other bytes under its digest.
 */
export function madeLayer(
  store: BlobStore,
  r: LayerWriteResult,
  entries: LayerEntry[],
  recipe: LayerRecipe,
): Layer {
  const layer = storedLayer(store, r);
  if (!r.remoteOnly) return layer;
  let remade: Promise<void> | undefined;
  const remake = async () => {
    if (await store.has(r.digest)) return;
    const again = await makeLayer(entries, recipe, store, undefined, true);
    if (again.digest !== r.digest)
      throw new LayerSourceError(
        `the files of layer ${r.digest} have changed since it was pushed (they now make ${again.digest}): bake again`,
      );
    await remember(store, keyWith(entries, recipe, again.learned), {
      digest: r.digest,
      diffId: r.diffId,
      size: r.size,
    });
  };
  return {
    ...layer,
    open: async () => {
      remade ??= remake().catch((err) => {
        remade = undefined;
        throw err;
      });
      await remade;
      return store.open(r.digest);
    },
  };
}

/** Reads a layer back to an uncompressed tar stream (gzip or zstd), for inspection and tests. */
export function decompress(mediaType: string, source: Readable): Readable {
  if (mediaType.endsWith("+zstd")) {
    const z = zlib as unknown as { createZstdDecompress?: () => Transform };
    if (!z.createZstdDecompress) throw new UnsupportedCompressionError("zstd needs Node.js 22.15 or newer");
    return source.pipe(z.createZstdDecompress());
  }
  if (mediaType.endsWith("gzip")) return source.pipe(zlib.createGunzip());
  return source;
}

export { Readable };
