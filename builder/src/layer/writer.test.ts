import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { BlobStore } from "../layout/blob-store.js";
import { sha256Digest } from "../model/digest.js";
import { resolveFiles } from "./source.js";
import {
  decompress,
  type EagerSink,
  effectiveLevel,
  entriesUnder,
  type LayerRecipe,
  madeLayer,
  recipeFromEnv,
  writeLayer,
  zstdSupported,
} from "./writer.js";

async function pluginDir(seed: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-plugin-"));
  await mkdir(join(dir, "lib", "deep"), { recursive: true });
  // Deterministic pseudo-random content per seed.
  const bytes = (n: number, s: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + s * 7) % 251));
  await writeFile(join(dir, "b.jar"), bytes(70_000, seed));
  await writeFile(join(dir, "a.jar"), bytes(1_000, seed + 1));
  await writeFile(join(dir, "lib", "deep", "c.jar"), bytes(5, seed + 2));
  await writeFile(join(dir, "run.sh"), "#!/bin/sh\n");
  await chmod(join(dir, "run.sh"), 0o700);
  return dir;
}

async function readTar(store: BlobStore, digest: `sha256:${string}`, mediaType: string) {
  const ex = extract();
  decompress(mediaType, store.open(digest)).pipe(ex);
  const out: Array<{
    name: string;
    mode: number;
    uid: number;
    gid: number;
    mtime: number;
    type: string;
    size: number;
  }> = [];
  for await (const e of ex) {
    const h = e.header;
    out.push({
      name: h.name,
      mode: h.mode ?? 0,
      uid: h.uid ?? -1,
      gid: h.gid ?? -1,
      mtime: h.mtime?.getTime() ?? -1,
      type: h.type ?? "",
      size: h.size ?? 0,
    });
    e.resume();
  }
  return out;
}

const recipe: LayerRecipe = { compression: "gzip", level: 1, epoch: 1_700_000_000 };

describe("writeLayer", () => {
  it("is reproducible: the same files in two directories give the same digest, byte for byte", async () => {
    const [d1, d2] = [await pluginDir(1), await pluginDir(1)];
    const s1 = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const s2 = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const l1 = await writeLayer(
      entriesUnder("opt/kafka/plugins/p", await resolveFiles({ name: "p", version: "1", dir: d1 })),
      recipe,
      s1,
    );
    const l2 = await writeLayer(
      entriesUnder("opt/kafka/plugins/p", await resolveFiles({ name: "p", version: "1", dir: d2 })),
      recipe,
      s2,
    );
    expect(l1.digest).toBe(l2.digest);
    expect(l1.diffId).toBe(l2.diffId);
    expect(sha256Digest(await s1.read(l1.digest))).toBe(l1.digest);
    expect(l1.cached).toBe(false);
    // gzip header: no name, mtime 0, fixed OS byte.
    const head = (await s1.read(l1.digest)).subarray(0, 10);
    expect([...head]).toStrictEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, head[8], 0xff]);
  });

  it("changes digest when content, epoch or level changes, and reuses the cache otherwise", async () => {
    const dir = await pluginDir(2);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const entries = entriesUnder("opt/kafka/plugins/p", await resolveFiles({ name: "p", version: "1", dir }));
    const base = await writeLayer(entries, recipe, store);
    const again = await writeLayer(entries, recipe, store);
    expect(again).toStrictEqual({ ...base, cached: true });
    const other = await writeLayer(
      entriesUnder(
        "opt/kafka/plugins/p",
        await resolveFiles({ name: "p", version: "1", dir: await pluginDir(3) }),
      ),
      recipe,
      store,
    );
    const epoch = await writeLayer(entries, { ...recipe, epoch: 1 }, store);
    const level = await writeLayer(entries, { ...recipe, level: 6 }, store);
    expect(new Set([base.digest, other.digest, epoch.digest, level.digest]).size).toBe(4);
    // Level changes only the compression: the uncompressed tar is the same.
    expect(level.diffId).toBe(base.diffId);
  });

  it("writes sorted entries owned by root with normalised modes and the epoch as mtime", async () => {
    const dir = await pluginDir(4);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const l = await writeLayer(
      entriesUnder("opt/kafka/plugins/p", await resolveFiles({ name: "p", version: "1", dir })),
      recipe,
      store,
    );
    const entries = await readTar(store, l.digest, l.mediaType);
    expect(entries.map((e) => `${e.type} ${e.name} ${e.mode.toString(8)}`)).toStrictEqual([
      "directory opt/kafka/plugins/p/ 755",
      "file opt/kafka/plugins/p/a.jar 644",
      "file opt/kafka/plugins/p/b.jar 644",
      "directory opt/kafka/plugins/p/lib/ 755",
      "directory opt/kafka/plugins/p/lib/deep/ 755",
      "file opt/kafka/plugins/p/lib/deep/c.jar 644",
      "file opt/kafka/plugins/p/run.sh 755",
    ]);
    for (const e of entries) {
      expect([e.uid, e.gid]).toStrictEqual([0, 0]);
      expect(e.mtime).toBe(recipe.epoch * 1000);
    }
  });

  it("streams large files without holding them (random bytes, like jars)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-plugin-"));
    await writeFile(join(dir, "big.jar"), randomBytes(8 * 1024 * 1024));
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const l = await writeLayer(
      entriesUnder("x", await resolveFiles({ name: "p", version: "1", dir })),
      recipe,
      store,
    );
    expect(l.size).toBeGreaterThan(8 * 1024 * 1024);
    const entries = await readTar(store, l.digest, l.mediaType);
    expect(entries.find((e) => e.name === "x/big.jar")?.size).toBe(8 * 1024 * 1024);
  });

  it("auto level stores already-compressed jars (level 0) and deflates the rest (level 1)", async () => {
    const dir = await pluginDir(7);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const all = entriesUnder("p", await resolveFiles({ name: "p", version: "1", dir }));
    expect(effectiveLevel(all, { ...recipe, level: "auto" })).toBe(0);
    const text = all.map((e) => (e.type === "file" ? { ...e, path: e.path.replace(/\.jar$/, ".txt") } : e));
    expect(effectiveLevel(text, { ...recipe, level: "auto" })).toBe(1);
    const auto = await writeLayer(all, { ...recipe, level: "auto" }, store);
    const zero = await writeLayer(all, { ...recipe, level: 0 }, store);
    expect(auto.digest).toBe(zero.digest);
    // Stored blocks: the gzip is the tar plus a few bytes per 64 KiB block.
    const tarBytes = all.reduce(
      (n, e) => n + (e.type === "file" ? 512 + Math.ceil(e.size / 512) * 512 : 512),
      1024,
    );
    expect(auto.size).toBeGreaterThan(tarBytes);
    expect(auto.size).toBeLessThan(tarBytes * 1.01 + 64);
  });

  it("offers zstd only where Node's zlib has it", async () => {
    const dir = await pluginDir(5);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const entries = entriesUnder("p", await resolveFiles({ name: "p", version: "1", dir }));
    const run = writeLayer(entries, { compression: "zstd", level: 3, epoch: 0 }, store);
    if (zstdSupported()) {
      const l = await run;
      expect(l.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
      expect((await readTar(store, l.digest, l.mediaType)).length).toBe(entries.length);
    } else {
      await expect(run).rejects.toThrow(/zstd layers need Node.js 22.15/);
    }
  });

  it("keepLocal false: a layer the registry took is not stored, and is made again, the same bytes, when read", async () => {
    const dir = await pluginDir(7);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const listed = await resolveFiles({ name: "p", version: "1", dir });
    const unknown = entriesUnder(
      "p",
      listed.map(({ sha256: _, ...f }) => f),
    );
    const sent = new EagerBytes();
    const l = await writeLayer(unknown, recipe, store, { eager: sent, keepLocal: false });
    expect(l).toMatchObject({ cached: false, eagerUploaded: true, remoteOnly: true });
    expect(sha256Digest(sent.bytes())).toBe(l.digest);
    expect(await store.has(l.digest)).toBe(false);
    // The next run knows it without the bytes, still remote only.
    const keyed = entriesUnder("p", listed);
    const again = await writeLayer(keyed, recipe, store);
    expect(again).toMatchObject({ digest: l.digest, diffId: l.diffId, cached: true, remoteOnly: true });
    // Read back (another registry, a layout): made again from the files, byte for byte.
    const layer = madeLayer(store, again, keyed, recipe);
    const chunks: Buffer[] = [];
    for await (const c of await layer.open()) chunks.push(c as Buffer);
    expect(sha256Digest(Buffer.concat(chunks))).toBe(l.digest);
    expect(await store.has(l.digest)).toBe(true);
    expect((await writeLayer(keyed, recipe, store)).remoteOnly).toBeUndefined();
    // The memo is a file like any other: one naming no digest is a miss, never a path.
    const memos = join(store.root, "kiln-layers");
    for (const memo of await readdir(memos))
      await writeFile(
        join(memos, memo),
        JSON.stringify({ digest: "sha256:../../x", diffId: l.diffId, size: 1, local: false }),
      );
    expect(await writeLayer(keyed, recipe, store)).toMatchObject({ digest: l.digest, cached: false });
  });

  it("keepLocal false: files changed since the push fail the remake instead of giving other bytes", async () => {
    const dir = await pluginDir(8);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const entries = entriesUnder("p", await resolveFiles({ name: "p", version: "1", dir }));
    const l = await writeLayer(entries, recipe, store, { eager: new EagerBytes(), keepLocal: false });
    await writeFile(join(dir, "a.jar"), Buffer.alloc(1_000, 9)); // same size, other bytes
    await expect(madeLayer(store, l, entries, recipe).open()).rejects.toThrow(
      `the files of layer ${l.digest} have changed since it was pushed`,
    );
  });

  it("keepLocal false: a failed upload leaves the layer in the store, as without it", async () => {
    const dir = await pluginDir(9);
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-store-")));
    const entries = entriesUnder("p", await resolveFiles({ name: "p", version: "1", dir }));
    for (const failing of [new EagerBytes("write"), new EagerBytes("finish"), new EagerBytes("begin")]) {
      const l = await writeLayer(entries, { ...recipe, epoch: recipe.epoch + 1 }, store, {
        eager: failing,
        keepLocal: false,
      });
      expect(l.eagerUploaded).toBeUndefined();
      expect(l.remoteOnly).toBeUndefined();
      expect(await store.has(l.digest)).toBe(true);
      await rm(join(store.root, "kiln-layers"), { recursive: true });
    }
  });

  it("rejects a lock entry whose file is missing or has another size", async () => {
    const dir = await pluginDir(6);
    await expect(
      resolveFiles({ name: "p", version: "1", dir, files: [{ path: "nope.jar" }] }),
    ).rejects.toThrow(/nope.jar is missing/);
    await expect(
      resolveFiles({ name: "p", version: "1", dir, files: [{ path: "a.jar", size: 3 }] }),
    ).rejects.toThrow(/the lock says 3/);
    await expect(
      resolveFiles({ name: "p", version: "1", dir, files: [{ path: "../etc/passwd" }] }),
    ).rejects.toThrow(/escapes/);
  });
});

/** A registry session held in memory, failing at `fails` when given. */
class EagerBytes implements EagerSink {
  readonly #chunks: Buffer[] = [];
  constructor(readonly fails?: "begin" | "write" | "finish") {}
  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
  async begin() {
    if (this.fails === "begin") throw new Error("POST refused");
    return {
      write: async (chunk: Buffer) => {
        if (this.fails === "write") throw new Error("connection reset");
        this.#chunks.push(Buffer.from(chunk));
      },
      finish: async () => {
        if (this.fails === "finish") throw new Error("digest refused");
      },
      abort: () => {},
    };
  }
}

describe("recipeFromEnv", () => {
  it("takes each compression's own levels, and refuses the rest before any layer is made", () => {
    for (const level of [0, 9]) expect(recipeFromEnv({}, { level }).level).toBe(level);
    for (const level of [1, 22]) expect(recipeFromEnv({}, { compression: "zstd", level }).level).toBe(level);
    // zlib itself throws a RangeError past 9, which used to surface as an internal error.
    for (const level of [10, 19, -1, 1.5])
      expect(() => recipeFromEnv({}, { level })).toThrow(/gzip takes a compression level from 0 to 9/);
    for (const level of [0, 23])
      expect(() => recipeFromEnv({}, { compression: "zstd", level })).toThrow(/zstd takes .* from 1 to 22/);
  });
});
