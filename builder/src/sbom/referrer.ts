import { Readable } from "node:stream";
import { KilnError } from "@kiln/schemas/core";
import { type Digest, digestHex, sha256Digest } from "../model/digest.js";
import { canonicalJson, type Layer } from "../model/image.js";
import { MediaType } from "../model/media.js";
import type { Descriptor, Index, Manifest } from "../model/types.js";
import type { RegistryClient } from "../remote/client.js";
import { RegistryError } from "../remote/errors.js";
import { getManifest, ImageNotFoundError } from "../remote/read.js";
import { formatReference, type Reference } from "../remote/reference.js";
import { Writer } from "../remote/write.js";

const EMPTY = Buffer.from("{}");

export interface ReferrerResult {
  digest: Digest;
  /** How the referrer is found: the registry's referrers API, or the `sha256-<hex>` tag of the fallback scheme. */
  via: "referrers-api" | "tag-schema";
  tag?: string;
}

function blob(mediaType: string, data: Buffer): Layer {
  const digest = sha256Digest(data);
  return {
    descriptor: { mediaType, digest, size: data.length },
    diffId: digest,
    open: async () => Readable.from([data]),
  };
}

export interface ReferrerDoc {
  artifactType: string;
  data: Buffer;
  title: string;
  annotations?: Record<string, string>;
}

/** A referrer whose blobs are in the registry: `commit` pushes its manifest (and fallback index). */
export interface StagedReferrer {
  commit(): Promise<ReferrerResult>;
}

/**
 * Attaches a document to an image as an OCI 1.1 referrer: an artifact manifest
 * with `subject` (empty config, one layer). Registries without the referrers
 * API (distribution 2.8) do not answer `OCI-Subject`; then the referrer is also
 * listed in the index tagged `sha256-<subject hex>`, the spec's fallback.
 */
export async function pushReferrer(
  client: RegistryClient,
  target: Reference,
  subject: Descriptor,
  doc: ReferrerDoc,
): Promise<ReferrerResult> {
  return (await stageReferrer(client, target, subject, doc)).commit();
}

/**
 * The first half of `pushReferrer`, which may run while the subject is still
 * being pushed: both blobs are uploaded at once; the manifest waits for
 * `commit`, so it never names a missing subject.
 */
export async function stageReferrer(
  client: RegistryClient,
  target: Reference,
  subject: Descriptor,
  doc: ReferrerDoc,
): Promise<StagedReferrer> {
  const w = new Writer(client, target);
  const layer = blob(doc.artifactType, doc.data);
  const config = blob(MediaType.OCI_EMPTY, EMPTY);
  // The fallback index lives under the tag, whatever the target names (a tag or a digest).
  const { digest: _pinned, ...repo } = target;
  const tag = `sha256-${digestHex(subject.digest)}`;
  await Promise.all([w.writeBlob(config, 0), w.writeBlob(layer, 0)]);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    artifactType: doc.artifactType,
    config: config.descriptor,
    layers: [{ ...layer.descriptor, annotations: { "org.opencontainers.image.title": doc.title } }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(doc.annotations ? { annotations: doc.annotations } : {}),
  };
  const raw = canonicalJson(manifest);
  const digest = sha256Digest(raw);
  return {
    async commit() {
      // Read alongside the manifest PUT (so what another client added meanwhile is kept), and
      // needed only if the registry lacks the referrers API: its failure waits for that.
      const existing = fallbackIndex(client, { ...repo, tag });
      existing.catch(() => {});
      const headers = await w.commitManifest(raw, MediaType.OCI_MANIFEST, digest, digest);
      if (headers["oci-subject"]) return { digest, via: "referrers-api" };
      const entry: Descriptor = {
        mediaType: MediaType.OCI_MANIFEST,
        digest,
        size: raw.length,
        artifactType: doc.artifactType,
        ...(doc.annotations ? { annotations: doc.annotations } : {}),
      };
      const fallback = await existing;
      const index: Index = {
        ...fallback,
        manifests: [...fallback.manifests.filter((d) => d.digest !== digest), entry],
      };
      const rawIndex = canonicalJson(index);
      await w.commitManifest(rawIndex, MediaType.OCI_INDEX, sha256Digest(rawIndex), tag);
      return { digest, via: "tag-schema", tag };
    },
  };
}

/** The index under a fallback tag, or an empty one when there is none yet. */
async function fallbackIndex(client: RegistryClient, ref: Reference): Promise<Index> {
  try {
    const existing = await getManifest(client, ref);
    return indexOf(existing.raw, formatReference(ref));
  } catch (err) {
    if (!(err instanceof ImageNotFoundError)) throw err;
    return { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] };
  }
}

/** Lists an image's referrers: the referrers API when the registry has it, else the fallback tag. */
export async function listReferrers(
  client: RegistryClient,
  target: Reference,
  subject: Digest,
): Promise<Descriptor[]> {
  const t = client.transport(target.registry);
  try {
    const res = await t.send({
      method: "GET",
      url: `/v2/${target.repository}/referrers/${subject}`,
      headers: { accept: MediaType.OCI_INDEX },
      scopes: [`repository:${target.repository}:pull`],
      expect: [200],
      what: `list referrers of ${subject}`,
    });
    return indexOf(res.body, `the referrers of ${subject}`).manifests;
  } catch (err) {
    if (!(err instanceof RegistryError) || (err.status !== 404 && err.status !== 405)) throw err;
  }
  try {
    const m = await getManifest(client, { ...target, tag: `sha256-${digestHex(subject)}` });
    return indexOf(m.raw, `the referrers of ${subject}`).manifests;
  } catch {
    return [];
  }
}

/** An OCI index a registry served, or a KilnError saying it is not one. */
function indexOf(raw: Buffer, what: string): Index {
  let index: Index | undefined;
  try {
    index = JSON.parse(raw.toString("utf8")) as Index;
  } catch {
    index = undefined;
  }
  if (!index || typeof index !== "object" || !Array.isArray(index.manifests))
    throw new KilnError(`${what}: the registry served something that is not an OCI index`);
  return index;
}
