import type { Digest } from "../model/digest.js";
import type { Artifact } from "../model/image.js";
import type { RegistryClient } from "../remote/client.js";
import { headManifest } from "../remote/read.js";
import type { Reference } from "../remote/reference.js";
import { BlobPresence, blobsOf } from "../remote/write.js";

export interface BlobPlan {
  digest: Digest;
  size: number;
  action: "exists" | "mount" | "upload";
}

/** What a push would do, found without writing anything. */
export interface PushPlan {
  digest: Digest;
  /** The digest the target tag names now, if any. */
  current?: Digest;
  /** The tag already names this digest: nothing would be pushed. */
  upToDate: boolean;
  blobs: BlobPlan[];
  uploadBytes: number;
}

/**
 * Predicts a push: if the target tag already names the digest, nothing is to
 * do; otherwise each blob is checked (HEAD) and classed as present, mountable
 * from another repository of the same registry, or to upload. `presence`
 * holds answers (or checks in flight) from earlier in the run.
 */
export async function planPush(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  presence: BlobPresence = new BlobPresence(client, target),
): Promise<PushPlan> {
  const current = await headManifest(client, target);
  const blobs = blobsOf(artifact);
  if (current?.digest === artifact.digest)
    return {
      digest: artifact.digest,
      current: current.digest,
      upToDate: true,
      blobs: blobs.map((b) => ({ digest: b.descriptor.digest, size: b.descriptor.size, action: "exists" })),
      uploadBytes: 0,
    };
  const planned = await Promise.all(
    blobs.map(async (b): Promise<BlobPlan> => {
      const base = { digest: b.descriptor.digest, size: b.descriptor.size };
      if (await presence.has(b.descriptor.digest)) return { ...base, action: "exists" };
      if (b.origin?.registry === target.registry && b.origin.repository !== target.repository)
        return { ...base, action: "mount" };
      return { ...base, action: "upload" };
    }),
  );
  return {
    digest: artifact.digest,
    ...(current ? { current: current.digest } : {}),
    upToDate: false,
    blobs: planned,
    uploadBytes: planned.filter((b) => b.action === "upload").reduce((n, b) => n + b.size, 0),
  };
}
