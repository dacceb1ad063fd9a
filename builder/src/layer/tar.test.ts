import { createReadStream } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";

import { sha256Digest } from "../model/digest.js";
import { LayerSourceError, TAR_CHUNK, tarChunks } from "./tar.js";
import type { LayerEntry } from "./writer.js";

/** The tar tar-stream's pack writes for the same entries: what kiln's layers were made with. */
async function tarStreamBytes(entries: LayerEntry[], epoch: number): Promise<Buffer> {
  const p = pack();
  const done = (async () => {
    const out: Buffer[] = [];
    for await (const c of p) out.push(c as Buffer);
    return Buffer.concat(out);
  })();
  for (const e of entries) {
    const common = { mtime: new Date(epoch * 1000), uid: 0, gid: 0, uname: "", gname: "" };
    await new Promise<void>((res, rej) => {
      if (e.type === "directory") {
        p.entry({ ...common, name: `${e.path}/`, type: "directory", mode: 0o755 }, (err) =>
          err ? rej(err) : res(),
        );
        return;
      }
      const sink = p.entry(
        { ...common, name: e.path, type: "file", size: e.size, mode: e.executable ? 0o755 : 0o644 },
        (err) => (err ? rej(err) : res()),
      );
      createReadStream(e.abs).pipe(sink);
    });
  }
  p.finalize();
  return done;
}

/** The whole tar; with `readBuffer`, each chunk copied as it comes, as its consumer must. */
async function collect(entries: LayerEntry[], epoch: number, readBuffer?: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of tarChunks(entries, epoch, undefined, readBuffer)) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

describe("tarChunks", () => {
  it("writes the bytes tar-stream writes, long and non-ASCII names, big and empty files included", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-tar-"));
    const file = async (name: string, size: number) => {
      const abs = join(dir, name);
      await writeFile(abs, Buffer.alloc(size, size % 251));
      return abs;
    };
    const deep = `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(60)}`;
    const entries: LayerEntry[] = [
      { type: "directory", path: "opt/kafka/plugins/p" },
      {
        type: "file",
        path: "opt/kafka/plugins/p/a.jar",
        abs: await file("a", 3_000_000),
        size: 3_000_000,
        sha256: "",
      },
      { type: "file", path: "opt/kafka/plugins/p/empty", abs: await file("b", 0), size: 0, sha256: "" },
      {
        type: "file",
        path: "opt/kafka/plugins/p/run.sh",
        abs: await file("c", 10),
        size: 10,
        sha256: "",
        executable: true,
      },
      { type: "directory", path: `opt/kafka/plugins/p/${deep}` },
      {
        type: "file",
        path: `opt/kafka/plugins/p/${deep}/x.jar`,
        abs: await file("d", 512),
        size: 512,
        sha256: "",
      },
      {
        type: "file",
        path: `opt/kafka/plugins/p/${"n".repeat(120)}.jar`,
        abs: await file("e", 7),
        size: 7,
        sha256: "",
      },
      {
        type: "file",
        path: "opt/kafka/plugins/p/caf\u00e9.jar",
        abs: await file("f", 1),
        size: 1,
        sha256: "",
      },
    ];
    for (const epoch of [0, 1_700_000_000]) {
      const expected = sha256Digest(await tarStreamBytes(entries, epoch));
      expect(sha256Digest(await collect(entries, epoch))).toBe(expected);
      expect(sha256Digest(await collect(entries, epoch, Buffer.alloc(TAR_CHUNK)))).toBe(expected);
    }
  });

  it.each([
    ["shrank", 5],
    ["grew", 20],
  ])("refuses a file that %s since it was listed", async (_what, actual) => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-tar-"));
    const abs = join(dir, "x.jar");
    await writeFile(abs, Buffer.alloc(actual));
    await expect(collect([{ type: "file", path: "x.jar", abs, size: 10, sha256: "" }], 0)).rejects.toThrow(
      LayerSourceError,
    );
  });
});
