import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ChecksumError } from "../errors.js";

const SHA512 = /^[0-9a-f]{128}$/;

/** The cache root: `$KILN_CACHE`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KILN_CACHE) return env.KILN_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kiln");
}

/** Digests of a file, computed in one pass. */
export interface FileDigests {
  size: number;
  sha512: string;
  sha256: string;
  sha1: string;
}

export async function digestFile(path: string): Promise<FileDigests> {
  const h512 = createHash("sha512");
  const h256 = createHash("sha256");
  const h1 = createHash("sha1");
  let size = 0;
  await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      h512.update(chunk);
      h256.update(chunk);
      h1.update(chunk);
    }
  });
  return { size, sha512: h512.digest("hex"), sha256: h256.digest("hex"), sha1: h1.digest("hex") };
}

/**
 * A content-addressed store: `<root>/sha512/<hex>` holds verified downloads,
 * `<root>/plugins/<digest>/` laid-out plugin directories. Every write goes to
 * a unique temporary name under `<root>/tmp` and is renamed into place, so two
 * kiln processes sharing a cache never see half a file.
 */
export class Cache {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Cache {
    return new Cache(defaultCacheDir(env));
  }

  /** Where the file with this sha512 lives (whether or not it is there yet). */
  pathOf(sha512: string): string {
    if (!SHA512.test(sha512)) throw new TypeError(`not a sha512 hex digest: ${sha512}`);
    return join(this.root, "sha512", sha512);
  }

  async has(sha512: string): Promise<boolean> {
    return stat(this.pathOf(sha512)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** A fresh temporary path in the cache's file system (so a rename is atomic). */
  async tempPath(label = "download"): Promise<string> {
    const dir = join(this.root, "tmp");
    await mkdir(dir, { recursive: true });
    return join(dir, `${label}-${process.pid}-${randomBytes(6).toString("hex")}`);
  }

  /**
   * Moves a temporary file into place under its sha512, after checking it is
   * `expected` (when given). On mismatch the file is deleted and a ChecksumError
   * names both digests.
   */
  async commit(
    tmp: string,
    actual: string,
    expected: string | undefined,
    what: string,
    url?: string,
  ): Promise<string> {
    if (expected !== undefined && actual !== expected) {
      await rm(tmp, { force: true });
      throw new ChecksumError(what, "sha512", expected, actual, url);
    }
    const dest = this.pathOf(actual);
    await mkdir(join(this.root, "sha512"), { recursive: true });
    await rename(tmp, dest);
    return dest;
  }

  /** Copies a local file (e.g. from ~/.m2) into the cache, verifying it when `expected` is given. */
  async putFile(src: string, expected?: string): Promise<{ path: string } & FileDigests> {
    if (expected && (await this.has(expected))) {
      const path = this.pathOf(expected);
      return { path, ...(await digestFile(path)) };
    }
    const tmp = await this.tempPath("copy");
    await copyFile(src, tmp);
    const d = await digestFile(tmp);
    const path = await this.commit(tmp, d.sha512, expected, src);
    return { path, ...d };
  }

  pluginsDir(): string {
    return join(this.root, "plugins");
  }
}
