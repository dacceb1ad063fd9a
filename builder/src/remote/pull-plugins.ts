import { createHash } from "node:crypto";
import { copyFile, lstat, mkdir, open, readdir, rm, symlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { type Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { KilnError } from "@kiln/schemas/core";
import { UnsupportedCompressionError } from "../layer/writer.js";
import type { Digest } from "../model/digest.js";
import type { Image } from "../model/image.js";
import { type Platform, platformMatches, platformString } from "../model/types.js";
import { PLUGINS_ROOT } from "../mutate/plugins.js";
import type { RegistryClient } from "./client.js";
import { fetchArtifact } from "./read.js";
import { formatReference, type Reference } from "./reference.js";

export class PullPluginsError extends KilnError {}

export interface PulledFile {
  /** Relative to the destination (`<plugin>/…`). */
  path: string;
  mode: number;
  size: number;
  sha256: string;
}

export interface PulledPlugins {
  /** The image manifest read (the platform's, for an index). */
  digest: Digest;
  /** One directory per plugin under the destination, sorted. */
  plugins: string[];
  files: PulledFile[];
  /** Layers streamed, and how many of them held files under the plugins root. */
  layers: number;
  pluginLayers: number;
}

export interface PullPluginsOptions {
  /** Directory inside the image (default `opt/kafka/plugins`). */
  root?: string;
  /** For an index: the platform to read (default the first listed). */
  platform?: Platform;
  /** Bytes written at most (default 2 GiB). */
  maxBytes?: number;
}

function clean(name: string): string | undefined {
  if (name.includes("\0") || name.includes("\\")) return undefined;
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return undefined;
  return parts.join("/");
}

/**
 * Reads an image from a registry BY DIGEST with kiln's registry client and unpacks the
 * files under its plugins root (`/opt/kafka/plugins`) into `dest` (which must not exist or be
 * empty), applying every layer in order with OCI whiteouts. Every layer's digest and diff_id is
 * checked while it streams; entries outside the root are skipped. Refused: a reference without
 * a digest, paths that climb out, links that point outside `dest`, devices, setuid/setgid bits.
 * Used to run a Connect worker on exactly the plugin tree an image carries.
 */
export async function pullPlugins(
  client: RegistryClient,
  ref: Reference,
  dest: string,
  opts: PullPluginsOptions = {},
): Promise<PulledPlugins> {
  if (!ref.digest)
    throw new PullPluginsError(
      `pull plugins from ${formatReference(ref)}: give the image by digest (…@sha256:…), not by tag`,
    );
  const root = (opts.root ?? PLUGINS_ROOT).replace(/^\/+|\/+$/g, "");
  // Loaded here, not with the module: every bake links this module and most never pull.
  const { extract: tarExtract } = await import("tar-stream");
  const art = await fetchArtifact(client, ref, opts.platform ? { platforms: [opts.platform] } : {});
  const image: Image | undefined =
    art.kind === "image"
      ? art
      : opts.platform
        ? art.images.find((i) => platformMatches(opts.platform as Platform, i.platform))
        : art.images[0];
  if (!image)
    throw new PullPluginsError(
      `${formatReference(ref)} has no image for ${opts.platform ? platformString(opts.platform) : "any platform"}`,
    );
  await mkdir(dest, { recursive: true });
  if ((await readdir(dest)).length > 0) throw new PullPluginsError(`${dest} is not empty`);

  const maxBytes = opts.maxBytes ?? 2 ** 31;
  const files = new Map<string, PulledFile>();
  const links = new Set<string>();
  let written = 0;
  let pluginLayers = 0;
  const fail = (layer: Digest, reason: string): never => {
    throw new PullPluginsError(`image ${formatReference(ref)}, layer ${layer}: ${reason}`);
  };
  const forget = (rel: string) => {
    for (const k of [...files.keys()]) if (k === rel || k.startsWith(`${rel}/`)) files.delete(k);
    for (const k of [...links]) if (k === rel || k.startsWith(`${rel}/`)) links.delete(k);
  };

  for (const layer of image.layers) {
    const digest = layer.descriptor.digest;
    const mediaType = layer.descriptor.mediaType;
    const blobHash = createHash("sha256");
    const diffHash = createHash("sha256");
    const tap = (h: ReturnType<typeof createHash>) =>
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          h.update(chunk);
          cb(null, chunk);
        },
      });
    let inflate: Transform | undefined;
    if (mediaType.endsWith("+zstd")) {
      const z = zlib as unknown as { createZstdDecompress?: () => Transform };
      if (!z.createZstdDecompress) throw new UnsupportedCompressionError("zstd needs Node.js 22.15 or newer");
      inflate = z.createZstdDecompress();
    } else if (mediaType.endsWith("gzip")) inflate = zlib.createGunzip();
    let touched = false;
    const ex = tarExtract();
    const consume = (async () => {
      for await (const entry of ex) {
        const h = entry.header;
        const name = clean(h.name);
        if (name === undefined) fail(digest, `entry "${h.name}" climbs out or has a bad name`);
        if (name !== root && !name?.startsWith(`${root}/`)) {
          entry.resume();
          continue;
        }
        touched = true;
        const rel = (name as string).slice(root.length + 1);
        const parts = rel.split("/");
        for (let i = 1; i < parts.length; i++)
          if (links.has(parts.slice(0, i).join("/")))
            fail(digest, `entry "${h.name}" goes through a symlink`);
        const base = parts[parts.length - 1] as string;
        const target = join(dest, rel);
        if (base.startsWith(".wh.")) {
          // OCI whiteouts: an opaque directory hides everything below it from lower layers.
          const dir = parts.slice(0, -1).join("/");
          if (base === ".wh..wh..opq") {
            for (const f of await readdir(join(dest, dir)).catch(() => [] as string[]))
              await rm(join(dest, dir, f), { recursive: true, force: true });
            if (dir) forget(dir);
            else {
              files.clear();
              links.clear();
            }
          } else {
            const hidden = [dir, base.slice(4)].filter(Boolean).join("/");
            await rm(join(dest, hidden), { recursive: true, force: true });
            forget(hidden);
          }
          entry.resume();
          continue;
        }
        if ((h.mode ?? 0) & 0o6000) fail(digest, `entry "${h.name}" has the setuid or setgid bit`);
        if (rel === "") {
          entry.resume();
          continue;
        }
        switch (h.type) {
          case "directory":
            await mkdir(target, { recursive: true, mode: 0o755 });
            entry.resume();
            break;
          case "file":
          case "contiguous-file": {
            await mkdir(dirname(target), { recursive: true, mode: 0o755 });
            // Never write through a link left by a lower layer.
            if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target);
            const mode = (h.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
            const fh = await open(target, "w", mode);
            const sha = createHash("sha256");
            let size = 0;
            try {
              for await (const chunk of entry as AsyncIterable<Buffer>) {
                size += chunk.length;
                written += chunk.length;
                if (written > maxBytes) fail(digest, `plugins unpack to more than ${maxBytes} bytes`);
                sha.update(chunk);
                await fh.write(chunk);
              }
            } finally {
              await fh.close();
            }
            files.set(rel, { path: rel, mode, size, sha256: sha.digest("hex") });
            break;
          }
          case "symlink": {
            const to = h.linkname ?? "";
            const joined = posix.normalize(posix.join(posix.dirname(rel), to));
            if (to.startsWith("/") || joined === ".." || joined.startsWith("../"))
              fail(digest, `symlink "${h.name}" -> "${to}" points outside the plugins directory`);
            await mkdir(dirname(target), { recursive: true, mode: 0o755 });
            await rm(target, { recursive: true, force: true });
            await symlink(to, target);
            links.add(rel);
            files.set(rel, {
              path: rel,
              mode: 0o120777,
              size: Buffer.byteLength(to),
              sha256: createHash("sha256").update(to).digest("hex"),
            });
            entry.resume();
            break;
          }
          case "link": {
            const from = clean(h.linkname ?? "");
            const src = from?.startsWith(`${root}/`) ? files.get(from.slice(root.length + 1)) : undefined;
            if (!src)
              fail(digest, `hard link "${h.name}" -> "${h.linkname}" points outside the plugins directory`);
            await mkdir(dirname(target), { recursive: true, mode: 0o755 });
            await copyFile(join(dest, (src as PulledFile).path), target);
            files.set(rel, { ...(src as PulledFile), path: rel });
            entry.resume();
            break;
          }
          default:
            fail(digest, `entry "${h.name}" is a ${h.type}`);
        }
      }
    })();
    const source: Readable = await layer.open();
    const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream | Transform> = [source, tap(blobHash)];
    if (inflate) stages.push(inflate);
    stages.push(tap(diffHash), ex);
    try {
      await Promise.all([pipeline(stages as unknown as [Readable, Writable]), consume]);
    } catch (err) {
      ex.destroy();
      if (err instanceof PullPluginsError) throw err;
      throw new PullPluginsError(
        `image ${formatReference(ref)}, layer ${digest}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const gotBlob = `sha256:${blobHash.digest("hex")}`;
    if (gotBlob !== digest) fail(digest, `the blob's sha256 is ${gotBlob}`);
    const gotDiff = `sha256:${diffHash.digest("hex")}`;
    if (gotDiff !== layer.diffId)
      fail(digest, `the uncompressed tar's sha256 is ${gotDiff}, the config says ${layer.diffId}`);
    if (touched) pluginLayers++;
  }
  const sorted = [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const plugins = (await readdir(dest, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return { digest: image.digest, plugins, files: sorted, layers: image.layers.length, pluginLayers };
}
