import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Digest, digestHex, sha256Digest } from "../model/digest.js";

/**
 * Content-addressed blobs under `<root>/blobs/sha256/<hex>` (the OCI image
 * layout's shape). Every write goes to a temp file first and is renamed into
 * place, so a reader never sees half a blob.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  path(digest: Digest): string {
    return join(this.root, "blobs", "sha256", digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    return stat(this.path(digest)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  open(digest: Digest): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  read(digest: Digest): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  /** A temp file inside the store (same filesystem, so the final rename is atomic). */
  async tempPath(): Promise<string> {
    const dir = join(this.root, "blobs", "tmp");
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomBytes(6).toString("hex")}`);
  }

  /** Moves a finished temp file to its digest's place. */
  async commit(temp: string, digest: Digest): Promise<void> {
    await mkdir(join(this.root, "blobs", "sha256"), { recursive: true });
    await rename(temp, this.path(digest));
  }

  async writeBytes(data: Buffer): Promise<Digest> {
    const digest = sha256Digest(data);
    if (await this.has(digest)) return digest;
    const tmp = await this.tempPath();
    await writeFile(tmp, data);
    await this.commit(tmp, digest);
    return digest;
  }

  /** Copies a stream in, checking it hashes to `digest`. */
  async writeStream(digest: Digest, source: Readable): Promise<void> {
    if (await this.has(digest)) {
      source.destroy();
      return;
    }
    const tmp = await this.tempPath();
    const { createHash } = await import("node:crypto");
    const h = createHash("sha256");
    try {
      await pipeline(
        source,
        async function* (src: AsyncIterable<Buffer>) {
          for await (const chunk of src) {
            h.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      const got = `sha256:${h.digest("hex")}`;
      if (got !== digest) throw new Error(`blob content hashes to ${got}, expected ${digest}`);
      await this.commit(tmp, digest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
