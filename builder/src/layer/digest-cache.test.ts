import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rename, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BlobStore } from "../layout/blob-store.js";
import { buildPluginLayer } from "../mutate/plugins.js";
import { FileDigestCache } from "./digest-cache.js";
import { resolveFiles } from "./source.js";
import { DEFAULT_RECIPE } from "./writer.js";

const settle = () => new Promise((r) => setTimeout(r, 150));
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** A plugin directory whose files are not racily recent: changed a minute ago, their inodes 150 ms ago. */
async function plugin(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-digests-"));
  const old = new Date(Date.now() - 60_000);
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    await utimes(join(dir, name), old, old);
  }
  await settle();
  return dir;
}

/** Rewrites every recorded sha256 in the cache's tables, to tell a cached answer from a fresh read. */
async function forgeCache(root: string): Promise<void> {
  for (const f of await readdir(root)) {
    const doc = JSON.parse(await readFile(join(root, f), "utf8"));
    for (const e of Object.values(doc.files) as Array<{ sha256: string }>) e.sha256 = "f".repeat(64);
    await writeFile(join(root, f), JSON.stringify(doc));
  }
}

describe("FileDigestCache", () => {
  it("gives an unchanged file's digests without reading it, and reads a changed one", async () => {
    const dir = await plugin({ "a.jar": "aaa", "b.jar": "bbb" });
    const cache = new FileDigestCache(await mkdtemp(join(tmpdir(), "kiln-digest-cache-")));
    const p = { name: "p", version: "local", dir };
    const first = await resolveFiles(p, { digests: cache });
    expect(first.map((f) => [f.path, f.sha256])).toEqual([
      ["a.jar", sha256("aaa")],
      ["b.jar", sha256("bbb")],
    ]);
    // A local file has no lock entry: its SBOM lists the sha256 it is packed by, nothing slower.
    expect(first.every((f) => f.sha512 === undefined)).toBe(true);

    await forgeCache(cache.root);
    expect((await resolveFiles(p, { digests: cache })).map((f) => f.sha256)).toEqual([
      "f".repeat(64),
      "f".repeat(64),
    ]);

    // Same size, new content: the identity changed, so the file is read again.
    await writeFile(join(dir, "a.jar"), "AAA");
    const old = new Date(Date.now() - 30_000);
    await utimes(join(dir, "a.jar"), old, old);
    // Replaced by rename: a new inode.
    await writeFile(join(dir, "tmp"), "BBB");
    await utimes(join(dir, "tmp"), old, old);
    await rename(join(dir, "tmp"), join(dir, "b.jar"));
    await settle();
    expect((await resolveFiles(p, { digests: cache })).map((f) => f.sha256)).toEqual([
      sha256("AAA"),
      sha256("BBB"),
    ]);
  });

  it("does not trust what it read from a file changed just before (racily unchanged)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-digests-"));
    await writeFile(join(dir, "new.jar"), "fresh");
    const cache = new FileDigestCache(await mkdtemp(join(tmpdir(), "kiln-digest-cache-")));
    const p = { name: "p", version: "local", dir };
    await resolveFiles(p, { digests: cache });
    await forgeCache(cache.root);
    expect((await resolveFiles(p, { digests: cache }))[0]?.sha256).toBe(sha256("fresh"));
  });

  it("takes the lock's digests over anything else, and ignores a damaged table", async () => {
    const dir = await plugin({ "a.jar": "aaa" });
    const root = await mkdtemp(join(tmpdir(), "kiln-digest-cache-"));
    const cache = new FileDigestCache(root);
    const locked = { path: "a.jar", sha256: "1".repeat(64), sha512: "2".repeat(128) };
    const [f] = await resolveFiles({ name: "p", version: "1", dir, files: [locked] }, { digests: cache });
    expect([f?.sha256, f?.sha512]).toEqual([locked.sha256, locked.sha512]);
    await resolveFiles({ name: "p", version: "local", dir }, { digests: cache });
    for (const t of await readdir(root)) await writeFile(join(root, t), "{not json");
    expect((await resolveFiles({ name: "p", version: "local", dir }, { digests: cache }))[0]?.sha256).toBe(
      sha256("aaa"),
    );
  });

  it("learns a new file's sha256 while packing it, and keys the layer as if it had been known", async () => {
    const dir = await plugin({ "a.jar": "aaa", "b.jar": "bbb" });
    const cache = new FileDigestCache(await mkdtemp(join(tmpdir(), "kiln-digest-cache-")));
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-layers-")));
    const p = { name: "p", version: "local", dir };
    const fresh = await buildPluginLayer(p, { store, recipe: DEFAULT_RECIPE, digests: cache });
    expect(fresh.cached).toBe(false);
    expect(fresh.files.map((f) => f.sha256)).toEqual([sha256("aaa"), sha256("bbb")]);

    // Recorded for the next run: the digests come from the cache, which makes the same key.
    await forgeCache(cache.root);
    expect((await resolveFiles(p, { digests: cache })).map((f) => f.sha256)).toEqual([
      "f".repeat(64),
      "f".repeat(64),
    ]);
    const again = await buildPluginLayer(
      {
        ...p,
        files: [
          { path: "a.jar", sha256: sha256("aaa") },
          { path: "b.jar", sha256: sha256("bbb") },
        ],
      },
      { store, recipe: DEFAULT_RECIPE },
    );
    expect(again.cached).toBe(true);
    expect(again.layer.descriptor.digest).toBe(fresh.layer.descriptor.digest);
  });

  it("without a digest cache, hashes a plugin's files first, so its layer is found again", async () => {
    const dir = await plugin({ "a.jar": "aaa" });
    const store = new BlobStore(await mkdtemp(join(tmpdir(), "kiln-layers-")));
    const p = { name: "p", version: "1", dir };
    expect((await buildPluginLayer(p, { store, recipe: DEFAULT_RECIPE })).cached).toBe(false);
    expect((await buildPluginLayer(p, { store, recipe: DEFAULT_RECIPE })).cached).toBe(true);
  });
});
