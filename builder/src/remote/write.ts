import { once } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import { KilnError, mapLimit } from "@kiln/schemas/core";
import type { EagerSink } from "../layer/writer.js";
import { type Digest, sha256Digest } from "../model/digest.js";
import type { Artifact, Blob, Image, Layer } from "../model/image.js";
import type { RegistryClient } from "./client.js";
import { RegistryError } from "./errors.js";
import { formatReference, type Reference } from "./reference.js";

export type PushEvent =
  | {
      kind: "blob";
      digest: Digest;
      size: number;
      state: "exists" | "mounted" | "uploading" | "uploaded";
      bytes?: number;
    }
  | { kind: "manifest"; digest: Digest; reference: string };

export interface PushResult {
  digest: Digest;
  reference: string;
  /** Bytes sent as blob content (mounts and blobs already present count 0). */
  uploadedBytes: number;
  blobs: { uploaded: number; mounted: number; existing: number };
}

export class PushError extends KilnError {}

/** A blob to push: a layer (maybe with an origin to mount from) or raw bytes such as a config. */
type PushBlob = Blob & { origin?: Layer["origin"] };

function bytesBlob(mediaType: string, digest: Digest, data: Buffer): PushBlob {
  return {
    descriptor: { mediaType, digest, size: data.length },
    open: async () => {
      const { Readable } = await import("node:stream");
      return Readable.from([data]);
    },
  };
}

/**
 * Pushes one artifact to one repository, step by step as the distribution
 * spec reads: check each blob, mount or upload what is missing, and only when
 * every blob is confirmed, PUT the manifests — platform manifests by digest,
 * then the tag last, so a tag never names a partial image.
 */
export class Writer {
  private readonly scopes: string[];
  uploadedBytes = 0;
  counts = { uploaded: 0, mounted: 0, existing: 0 };

  constructor(
    private readonly client: RegistryClient,
    private readonly target: Reference,
    private readonly onEvent: (e: PushEvent) => void = () => {},
  ) {
    this.scopes = [`repository:${target.repository}:pull,push`];
  }

  private get t() {
    return this.client.transport(this.target.registry);
  }

  private blobUrl(digest: Digest): string {
    return `/v2/${this.target.repository}/blobs/${digest}`;
  }

  /** HEAD the blob: is it there already? */
  async checkExistingBlob(digest: Digest): Promise<boolean> {
    try {
      await this.t.send({
        method: "HEAD",
        url: this.blobUrl(digest),
        scopes: this.scopes,
        expect: [200],
        what: `check blob ${digest}`,
      });
      return true;
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) return false;
      throw err;
    }
  }

  /** POST an upload: first as a cross-repository mount when the blob lives in another repo of this registry, then plain. */
  async initiateUpload(
    digest: Digest,
    from?: string,
  ): Promise<{ mounted: true } | { mounted: false; location: string }> {
    if (from && from !== this.target.repository) {
      try {
        const res = await this.t.send({
          method: "POST",
          url: `/v2/${this.target.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
          scopes: [...this.scopes, `repository:${from}:pull`],
          expect: [201, 202],
          what: `mount blob ${digest} from ${from}`,
          retry: false,
        });
        if (res.status === 201) return { mounted: true };
        // 202: the registry could not mount and opened a plain upload instead.
        return { mounted: false, location: this.location(res.headers.location) };
      } catch (err) {
        // Some registries refuse mounts they cannot authorise; a plain upload still works.
        if (!(err instanceof RegistryError) || err.retryable) throw err;
      }
    }
    const res = await this.t.send({
      method: "POST",
      url: `/v2/${this.target.repository}/blobs/uploads/`,
      scopes: this.scopes,
      expect: [202],
      what: `start upload of ${digest}`,
      retry: false,
    });
    return { mounted: false, location: this.location(res.headers.location) };
  }

  private location(loc: string | undefined): string {
    if (!loc)
      throw new RegistryError({
        message: `registry ${this.target.registry} started an upload without a Location`,
        url: this.t.base,
      });
    return new URL(loc, this.t.base).toString();
  }

  /** PATCH the blob's bytes in chunks of `chunkSize` (memory stays at one chunk); returns the session's next location. */
  async streamBlob(location: string, blob: PushBlob, chunkSize: number): Promise<string> {
    const src = await blob.open();
    let offset = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async () => {
      if (pendingLen === 0) return;
      const chunk = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      const res = await this.t.send({
        method: "PATCH",
        url: location,
        headers: {
          "content-type": "application/octet-stream",
          "content-range": `${offset}-${offset + chunk.length - 1}`,
          "content-length": String(chunk.length),
        },
        body: async () => chunk,
        scopes: this.scopes,
        expect: [202],
        what: `upload chunk of ${blob.descriptor.digest}`,
        retry: false,
      });
      offset += chunk.length;
      this.onEvent({
        kind: "blob",
        digest: blob.descriptor.digest,
        size: blob.descriptor.size,
        state: "uploading",
        bytes: offset,
      });
      location = this.location(res.headers.location ?? location);
    };
    try {
      for await (const c of src as AsyncIterable<Buffer>) {
        pending.push(c);
        pendingLen += c.length;
        if (pendingLen >= chunkSize) await flush();
      }
      await flush();
    } finally {
      src.destroy();
    }
    return location;
  }

  /** PUT `?digest=`: with the whole body (monolithic upload) or empty after chunks. */
  async commitBlob(location: string, blob: PushBlob, body?: () => Promise<Readable>): Promise<void> {
    const url = new URL(location);
    url.searchParams.set("digest", blob.descriptor.digest);
    await this.t.send({
      method: "PUT",
      url: url.toString(),
      headers: {
        "content-type": "application/octet-stream",
        "content-length": body ? String(blob.descriptor.size) : "0",
      },
      ...(body ? { body } : {}),
      scopes: this.scopes,
      expect: [201],
      what: `upload blob ${blob.descriptor.digest}`,
      retry: false,
    });
  }

  /** Makes one blob present: skip, mount, or upload (the whole upload restarts, reopening the blob, on a transient failure). */
  async writeBlob(blob: PushBlob, chunkSize: number, presence?: BlobPresence): Promise<void> {
    const digest = blob.descriptor.digest;
    const size = blob.descriptor.size;
    if (await (presence ? presence.has(digest) : this.checkExistingBlob(digest))) {
      this.counts.existing++;
      this.onEvent({ kind: "blob", digest, size, state: "exists" });
      return;
    }
    const from = blob.origin?.registry === this.target.registry ? blob.origin.repository : undefined;
    await this.t.withRetry(async () => {
      const init = await this.initiateUpload(digest, from);
      if (init.mounted) {
        presence?.add(digest);
        this.counts.mounted++;
        this.onEvent({ kind: "blob", digest, size, state: "mounted" });
        return;
      }
      this.onEvent({ kind: "blob", digest, size, state: "uploading", bytes: 0 });
      if (chunkSize > 0) {
        const loc = await this.streamBlob(init.location, blob, chunkSize);
        await this.commitBlob(loc, blob);
      } else {
        await this.commitBlob(init.location, blob, () => blob.open());
      }
      presence?.add(digest);
      this.counts.uploaded++;
      this.uploadedBytes += size;
      this.onEvent({ kind: "blob", digest, size, state: "uploaded", bytes: size });
    });
  }

  /** PUT a manifest and check the registry computed the same digest. */
  async commitManifest(
    raw: Buffer,
    mediaType: string,
    digest: Digest,
    reference: string,
  ): Promise<Record<string, string>> {
    const res = await this.t.send({
      method: "PUT",
      url: `/v2/${this.target.repository}/manifests/${reference}`,
      headers: { "content-type": mediaType },
      body: async () => raw,
      scopes: this.scopes,
      expect: [201],
      what: `push manifest ${reference}`,
    });
    const got = res.headers["docker-content-digest"];
    if (got && got !== digest)
      throw new PushError(
        `registry ${this.target.registry} stored manifest ${reference} as ${got}, expected ${digest}`,
      );
    this.onEvent({ kind: "manifest", digest, reference });
    return res.headers;
  }
}

function imagesOf(a: Artifact): Image[] {
  return a.kind === "image" ? [a] : [...a.images];
}

/** Every blob an artifact names, once each (configs as bytes, layers as they are). */
export function blobsOf(a: Artifact): PushBlob[] {
  const out = new Map<Digest, PushBlob>();
  for (const img of imagesOf(a)) {
    for (const l of img.layers) if (!out.has(l.descriptor.digest)) out.set(l.descriptor.digest, l);
    const c = img.manifest.config;
    if (!out.has(c.digest)) out.set(c.digest, bytesBlob(c.mediaType, c.digest, img.rawConfig));
  }
  return [...out.values()];
}

/**
 * Pushes `artifact` to `target` (tag or, without one, by digest). Returns the
 * digest the tag now names.
 */
export async function pushArtifact(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  opts: {
    onEvent?: (e: PushEvent) => void;
    concurrency?: number;
    chunkSize?: number;
    /** What is known of the target's blobs (a plan's checks, early ones): not asked again. */
    presence?: BlobPresence;
  } = {},
): Promise<PushResult> {
  const w = new Writer(client, target, opts.onEvent);
  const chunkSize = opts.chunkSize ?? client.options.chunkSize ?? 0;
  // Largest first: the long uploads start early and the pool drains evenly.
  const blobs = blobsOf(artifact).sort((a, b) => b.descriptor.size - a.descriptor.size);
  await mapLimit(blobs, opts.concurrency ?? client.options.concurrency ?? 3, (b) =>
    w.writeBlob(b, chunkSize, opts.presence),
  );
  // Every blob is confirmed present: now the manifests, children by digest, the tag last.
  if (artifact.kind === "index")
    for (const img of artifact.images)
      await w.commitManifest(img.rawManifest, img.mediaType, img.digest, img.digest);
  const reference = target.tag ?? artifact.digest;
  await w.commitManifest(artifact.rawManifest, artifact.mediaType, artifact.digest, reference);
  return {
    digest: artifact.digest,
    reference: formatReference({ ...target, digest: artifact.digest }),
    uploadedBytes: w.uploadedBytes,
    blobs: { ...w.counts },
  };
}

/**
 * What one repository holds, each blob asked once: checks start as soon as a
 * digest is known (base layers, cached layers, while other layers are still
 * being made) and the push reads the answers. A failed check is forgotten, so
 * the next asker checks again.
 */
export class BlobPresence {
  private readonly answers = new Map<Digest, Promise<boolean>>();
  private readonly w: Writer;

  constructor(client: RegistryClient, target: Reference) {
    this.w = new Writer(client, target);
  }

  has(digest: Digest): Promise<boolean> {
    const known = this.answers.get(digest);
    if (known) return known;
    const asked = this.w.checkExistingBlob(digest);
    this.answers.set(digest, asked);
    asked.catch(() => {
      if (this.answers.get(digest) === asked) this.answers.delete(digest);
    });
    return asked;
  }

  /** Starts the checks; their answers (or failures) wait for `has`. */
  prefetch(digests: Iterable<Digest>): void {
    for (const d of digests) this.has(d).catch(() => {});
  }

  /** A blob this run has just committed. */
  add(digest: Digest): void {
    this.answers.set(digest, Promise.resolve(true));
  }

  /**
   * A blob this run is committing: answers wait for the commit, and ask the registry when it
   * failed (the push then uploads the blob itself).
   */
  committing(digest: Digest, commit: Promise<unknown>): void {
    const answer = commit.then(
      () => true,
      () => this.w.checkExistingBlob(digest),
    );
    this.answers.set(digest, answer);
    answer.catch(() => {
      if (this.answers.get(digest) === answer) this.answers.delete(digest);
    });
  }
}

/**
 * An upload session fed while a layer is being made (see `EagerSink`): POST,
 * one streaming PATCH, then PUT `?digest=` once the digest is known. Any
 * failure only drops the eager copy; the push uploads the cached file later.
 * The session opens while the layer's first bytes are made (they wait in the
 * body, a megabyte at most): no round trip stands before a layer's work. With
 * `presence`, `finish` returns once the last bytes are handed over and the
 * commit goes on alone (the registry still drains megabytes from the socket):
 * the push's config, SBOM and checks overlap it, and `presence` answers for the
 * layer wait for it.
 */
export function eagerUpload(client: RegistryClient, target: Reference, presence?: BlobPresence): EagerSink {
  const w = new Writer(client, target);
  return {
    async begin() {
      const body = new PassThrough({ highWaterMark: 1 << 20 });
      let failed: unknown;
      const t = client.transport(target.registry);
      const session = w.initiateUpload(sha256Digest("")).then((init) => {
        if (init.mounted) throw new Error("unexpected mount");
        return init.location;
      });
      const patch = session
        .then((location) =>
          t.send({
            method: "PATCH",
            url: location,
            headers: { "content-type": "application/octet-stream" },
            body: async () => body,
            scopes: [`repository:${target.repository}:pull,push`],
            expect: [202],
            what: "stream layer",
            retry: false,
          }),
        )
        .catch((err) => {
          failed = err;
          body.destroy();
          throw err;
        });
      patch.catch(() => {});
      return {
        async write(chunk: Buffer) {
          if (failed) throw failed;
          if (!body.write(chunk)) await Promise.race([once(body, "drain"), patch.then(() => {})]);
          if (failed) throw failed;
        },
        async finish(digest: Digest, _size: number) {
          if (failed) throw failed;
          body.end();
          const commit = (async () => {
            const res = await patch;
            const loc = new URL(res.headers.location ?? (await session), t.base);
            loc.searchParams.set("digest", digest);
            await t.send({
              method: "PUT",
              url: loc.toString(),
              headers: { "content-length": "0" },
              scopes: [`repository:${target.repository}:pull,push`],
              expect: [201],
              what: `commit layer ${digest}`,
              retry: false,
            });
          })();
          if (!presence) return commit;
          presence.committing(digest, commit);
        },
        abort() {
          body.destroy();
        },
      };
    },
  };
}
