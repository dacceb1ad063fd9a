// The floor of a bake+push: tar + gzip (zlib, at the level asked: 0 stores, as
// kiln does for jars) + sha256 of only the new plugins, streamed straight into
// the registry in one pass (POST, PATCH the stream, PUT ?digest=), base layers
// mounted, then config and manifest. No retries, no auth, no cache files, no
// sorting beyond what tar needs: what any tool must at least do. Two plugins at
// a time (one per core), 1 MiB reads and 1 MiB gzip output chunks.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { createGzip } from "node:zlib";
import type { Descriptor, Image, PluginSource } from "@kiln/builder";
import { pack } from "tar-stream";
import { request } from "undici";

export interface RawLayer {
  digest: string;
  diffId: string;
  size: number;
}

function tarOf(p: PluginSource) {
  const t = pack();
  (async () => {
    for (const f of p.files ?? []) {
      await new Promise<void>((res, rej) => {
        const sink = t.entry(
          { name: `opt/kafka/plugins/${p.name}/${f.path}`, size: f.size, mode: 0o644, mtime: new Date(0) },
          (e) => (e ? rej(e) : res()),
        );
        createReadStream(`${p.dir}/${f.path}`, { highWaterMark: 1 << 20 }).pipe(sink);
      });
    }
    t.finalize();
  })();
  return t;
}

async function upload(base: string, repo: string, p: PluginSource, level: number): Promise<RawLayer> {
  const post = await request(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await post.body.dump();
  const loc = new URL(post.headers.location as string, base);
  const diff = createHash("sha256");
  const blob = createHash("sha256");
  let size = 0;
  const tapDiff = new Transform({
    transform(c, _e, cb) {
      diff.update(c);
      cb(null, c);
    },
  });
  const tapBlob = new Transform({
    transform(c, _e, cb) {
      blob.update(c);
      size += c.length;
      cb(null, c);
    },
  });
  const body = tarOf(p)
    .pipe(tapDiff)
    .pipe(createGzip({ level, chunkSize: 1 << 20 }))
    .pipe(tapBlob);
  const patch = await request(loc, {
    method: "PATCH",
    body,
    headers: { "content-type": "application/octet-stream" },
  });
  await patch.body.dump();
  const digest = `sha256:${blob.digest("hex")}`;
  const put = new URL(patch.headers.location as string, base);
  put.searchParams.set("digest", digest);
  const res = await request(put, { method: "PUT", headers: { "content-length": "0" } });
  await res.body.dump();
  if (res.statusCode !== 201) throw new Error(`lower bound: blob PUT ${res.statusCode}`);
  return { digest, diffId: `sha256:${diff.digest("hex")}`, size };
}

async function putBytes(base: string, repo: string, data: Buffer, digest: string): Promise<void> {
  const post = await request(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await post.body.dump();
  const loc = new URL(post.headers.location as string, base);
  loc.searchParams.set("digest", digest);
  const res = await request(loc, {
    method: "PUT",
    body: data,
    headers: { "content-type": "application/octet-stream" },
  });
  await res.body.dump();
}

/**
 * Pushes base + plugins to `repo:tag`, uploading only `changed` plugins (the
 * others' layers are taken from `known`, as a perfect cache would). Mutates `known`.
 */
export async function rawPush(opts: {
  registry: string;
  baseRepo: string;
  base: Image;
  repo: string;
  plugins: PluginSource[];
  changed: Set<string>;
  known: Map<string, RawLayer>;
  level: number;
}): Promise<number> {
  const base = `http://${opts.registry}`;
  let bytes = 0;
  // Mount the base's layers (a no-op answer when already there).
  await Promise.all(
    opts.base.layers.map(async (l) => {
      const r = await request(
        `${base}/v2/${opts.repo}/blobs/uploads/?mount=${l.descriptor.digest}&from=${opts.baseRepo}`,
        { method: "POST" },
      );
      await r.body.dump();
    }),
  );
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  // New plugins go up two at a time (one per core), as kiln builds them.
  const todo = opts.plugins.filter((p) => !opts.known.has(p.name) || opts.changed.has(p.name));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++] as PluginSource;
      const l = await upload(base, opts.repo, p, opts.level);
      bytes += l.size;
      opts.known.set(p.name, l);
    }
  };
  await Promise.all([worker(), worker()]);
  for (const p of opts.plugins) {
    const l = opts.known.get(p.name) as RawLayer;
    layers.push({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: l.digest as `sha256:${string}`,
      size: l.size,
    });
    diffIds.push(l.diffId);
  }
  const config = Buffer.from(
    JSON.stringify({
      ...opts.base.config,
      rootfs: { type: "layers", diff_ids: [...opts.base.config.rootfs.diff_ids, ...diffIds] },
    }),
  );
  const cdigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
  await putBytes(base, opts.repo, config, cdigest);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cdigest, size: config.length },
      layers: [...opts.base.manifest.layers, ...layers],
    }),
  );
  const res = await request(`${base}/v2/${opts.repo}/manifests/1`, {
    method: "PUT",
    body: manifest,
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`lower bound: manifest PUT ${res.statusCode} ${text}`);
  return bytes;
}
