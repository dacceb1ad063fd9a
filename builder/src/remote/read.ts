import { KilnError } from "@kiln/schemas/core";
import { type Digest, sha256Digest } from "../model/digest.js";
import { type Artifact, type Image, imageFromParts, type Layer } from "../model/image.js";
import { isIndexMediaType, isManifestMediaType, MANIFEST_ACCEPT } from "../model/media.js";
import {
  type Descriptor,
  type Index,
  type Manifest,
  type Platform,
  platformMatches,
  platformString,
} from "../model/types.js";
import type { RegistryClient } from "./client.js";
import { RegistryError } from "./errors.js";
import { formatReference, manifestRef, type Reference } from "./reference.js";

export class ImageNotFoundError extends KilnError {}

/** A manifest, index or config a registry served that kiln cannot use (not JSON, or the wrong shape). */
export class ImageFormatError extends KilnError {}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function descriptorProblem(d: unknown, at: string): string | undefined {
  if (!d || typeof d !== "object") return `${at} is not a descriptor`;
  const x = d as Record<string, unknown>;
  if (typeof x.digest !== "string" || !DIGEST.test(x.digest)) return `${at}.digest is not a sha256 digest`;
  if (!Number.isSafeInteger(x.size) || (x.size as number) < 0) return `${at}.size is not a size`;
  if (x.mediaType !== undefined && typeof x.mediaType !== "string") return `${at}.mediaType is not a string`;
  return undefined;
}

function listProblem(v: unknown, at: string, item: (x: unknown, at: string) => string | undefined) {
  if (!Array.isArray(v)) return `${at} is not a list`;
  for (const [i, x] of v.entries()) {
    const bad = item(x, `${at}[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

/** What is wrong with a manifest, index or image config, for the shape kiln reads. */
const problems = {
  // Read before the type is known: any JSON object will do.
  "manifest-or-index": () => undefined,
  manifest: (v: Record<string, unknown>) =>
    descriptorProblem(v.config, "config") ?? listProblem(v.layers, "layers", descriptorProblem),
  index: (v: Record<string, unknown>) =>
    listProblem(v.manifests, "manifests", (d, at) => {
      const bad = descriptorProblem(d, at);
      if (bad) return bad;
      const p = (d as { platform?: unknown }).platform;
      if (p === undefined) return undefined;
      const q = p as { os?: unknown; architecture?: unknown } | null;
      return q && typeof q.os === "string" && typeof q.architecture === "string"
        ? undefined
        : `${at}.platform is not an os and architecture`;
    }),
  config: (v: Record<string, unknown>) => {
    const rootfs = v.rootfs as { diff_ids?: unknown } | undefined;
    if (rootfs === undefined || rootfs?.diff_ids === undefined) return undefined;
    return listProblem(rootfs.diff_ids, "rootfs.diff_ids", (x, at) =>
      typeof x === "string" && DIGEST.test(x) ? undefined : `${at} is not a sha256 digest`,
    );
  },
};

/** Parses what a registry served as JSON of the shape kiln reads, or says what is wrong with it. */
function readJson<T>(raw: Buffer, kind: keyof typeof problems, ref: Reference): T {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    value = undefined;
  }
  const bad =
    value === undefined || value === null || typeof value !== "object" || Array.isArray(value)
      ? "it is not a JSON object"
      : problems[kind](value as Record<string, unknown>);
  if (bad)
    throw new ImageFormatError(
      `image ${formatReference(ref)}: the registry served an image ${kind === "manifest-or-index" ? "manifest" : kind} kiln cannot read: ${bad}`,
    );
  return value as T;
}

export interface FetchedManifest {
  mediaType: string;
  raw: Buffer;
  digest: Digest;
}

function pullScope(repo: string): string[] {
  return [`repository:${repo}:pull`];
}

/** GET a manifest (OCI or Docker, image or index), checking its bytes against the digest asked for. */
export async function getManifest(
  client: RegistryClient,
  ref: Reference,
  reference = manifestRef(ref),
): Promise<FetchedManifest> {
  const t = client.transport(ref.registry);
  let res: Awaited<ReturnType<typeof t.send>>;
  try {
    res = await t.send({
      method: "GET",
      url: `/v2/${ref.repository}/manifests/${reference}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: pullScope(ref.repository),
      expect: [200],
      what: `fetch manifest ${ref.repository}:${reference}`,
    });
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404)
      throw new ImageNotFoundError(
        `image ${formatReference({ ...ref, ...(reference.startsWith("sha256:") ? {} : { tag: reference }) })} was not found in the registry`,
        {
          location: { url: err.url },
          cause: err,
        },
      );
    throw err;
  }
  const digest = sha256Digest(res.body);
  if (reference.startsWith("sha256:") && digest !== reference)
    throw new RegistryError({
      message: `manifest ${reference} from ${ref.registry} does not match its digest (got ${digest})`,
      url: `${t.base}/v2/${ref.repository}/manifests/${reference}`,
    });
  let mediaType = res.headers["content-type"]?.split(";")[0]?.trim();
  const parsed = readJson<{ mediaType?: unknown; manifests?: unknown }>(res.body, "manifest-or-index", ref);
  if (typeof parsed.mediaType === "string") mediaType = parsed.mediaType;
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType))
    mediaType = parsed.manifests
      ? "application/vnd.oci.image.index.v1+json"
      : "application/vnd.oci.image.manifest.v1+json";
  return { mediaType: mediaType as string, raw: res.body, digest };
}

/** HEAD a manifest: its digest and type, or undefined when the tag does not exist. */
export async function headManifest(
  client: RegistryClient,
  ref: Reference,
): Promise<{ digest: Digest; mediaType: string; size: number } | undefined> {
  const t = client.transport(ref.registry);
  try {
    const res = await t.send({
      method: "HEAD",
      url: `/v2/${ref.repository}/manifests/${manifestRef(ref)}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: pullScope(ref.repository),
      expect: [200],
      what: `check manifest ${ref.repository}:${manifestRef(ref)}`,
    });
    const digest = res.headers["docker-content-digest"] as Digest | undefined;
    if (!digest) {
      const full = await getManifest(client, ref);
      return { digest: full.digest, mediaType: full.mediaType, size: full.raw.length };
    }
    return {
      digest,
      mediaType: res.headers["content-type"] ?? "",
      size: Number(res.headers["content-length"] ?? 0),
    };
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
}

/** A layer of a remote image: nothing is downloaded until a sink opens it. */
function remoteLayer(client: RegistryClient, ref: Reference, desc: Descriptor, diffId: Digest): Layer {
  return {
    descriptor: desc,
    diffId,
    origin: { registry: ref.registry, repository: ref.repository },
    open: () => client.getBlob(ref, desc.digest),
  };
}

async function remoteImage(
  client: RegistryClient,
  ref: Reference,
  m: FetchedManifest,
  platform?: Platform,
): Promise<Image> {
  const manifest = readJson<Manifest>(m.raw, "manifest", ref);
  const rawConfig = await client.readBlob(ref, manifest.config.digest);
  const config = readJson<{ rootfs?: { diff_ids?: Digest[] } }>(rawConfig, "config", ref);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length)
    throw new KilnError(
      `image ${formatReference(ref)}: config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`,
    );
  const layers = manifest.layers.map((d, i) => remoteLayer(client, ref, d, diffIds[i] as Digest));
  return imageFromParts({ rawManifest: m.raw, rawConfig, layers, ...(platform ? { platform } : {}) });
}

/**
 * Fetches an image or index by reference: manifests and configs only, never
 * layers. For an index, `platforms` picks entries (default: every entry that
 * names a real platform; attestation manifests are left out).
 */
export async function fetchArtifact(
  client: RegistryClient,
  ref: Reference,
  opts: { platforms?: Platform[] } = {},
): Promise<Artifact> {
  const top = await getManifest(client, ref);
  if (!isIndexMediaType(top.mediaType)) {
    const img = await remoteImage(client, ref, top);
    if (opts.platforms?.length && !opts.platforms.some((p) => platformMatches(p, img.platform)))
      throw new KilnError(
        `image ${formatReference(ref)} is ${platformString(img.platform)} only; asked for ${opts.platforms.map(platformString).join(", ")}`,
      );
    return img;
  }
  const index = readJson<Index>(top.raw, "index", ref);
  const entries = index.manifests.filter(
    (d) =>
      isManifestMediaType(d.mediaType) &&
      d.platform &&
      d.platform.os !== "unknown" &&
      !d.annotations?.["vnd.docker.reference.type"] &&
      (!opts.platforms?.length || opts.platforms.some((p) => platformMatches(p, d.platform))),
  );
  if (entries.length === 0)
    throw new KilnError(
      `image ${formatReference(ref)} has no manifest for ${opts.platforms?.map(platformString).join(", ") ?? "any platform"}`,
    );
  const images = await Promise.all(
    entries.map(async (d) => remoteImage(client, ref, await getManifest(client, ref, d.digest), d.platform)),
  );
  return {
    kind: "index",
    mediaType: top.mediaType,
    index,
    rawManifest: top.raw,
    digest: top.digest,
    images,
  };
}
