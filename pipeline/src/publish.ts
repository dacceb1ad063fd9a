import {
  type Artifact,
  BlobPresence,
  descriptorOf,
  headManifest,
  MediaType,
  type PushEvent,
  type PushResult,
  pushArtifact,
  pushReferrer,
  type Reference,
  type ReferrerDoc,
  type ReferrerResult,
  type RegistryClient,
  stageReferrer,
} from "@kiln/builder";

/** A push (with what came alongside it), or the finding that the target tag already names the artifact. */
export type Published<Extra = unknown> =
  | { upToDate: true; digest: string }
  | ({ upToDate: false } & PushResult & Extra);

/** A CycloneDX SBOM to attach to an image. */
export interface Sbom {
  data: Buffer;
  title: string;
  created?: string;
}

export interface PublishOptions {
  onEvent?: (e: PushEvent) => void;
  /** Answers about the target's blobs from earlier in the run (or checks in flight). */
  presence?: BlobPresence;
}

/**
 * Pushes an artifact unless the target tag already names it; checks `presence` already answered
 * are not repeated. With `sbom`, the SBOM's blobs go up alongside the image's and its referrer
 * once the image is in place. No plan of every blob first: a layer still being committed would
 * hold back the config and SBOM uploads that can go up meanwhile.
 */
export async function publish(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  opts: PublishOptions & { sbom: Sbom },
): Promise<Published<{ sbom: ReferrerResult }>>;
export async function publish(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  opts?: PublishOptions,
): Promise<Published>;
export async function publish(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  opts: PublishOptions & { sbom?: Sbom } = {},
): Promise<Published<{ sbom?: ReferrerResult }>> {
  const presence = opts.presence ?? new BlobPresence(client, target);
  if ((await headManifest(client, target))?.digest === artifact.digest)
    return { upToDate: true, digest: artifact.digest };
  const [pushed, staged] = await Promise.allSettled([
    pushArtifact(client, artifact, target, {
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      presence,
    }),
    opts.sbom ? stageReferrer(client, target, descriptorOf(artifact), sbomDoc(opts.sbom)) : undefined,
  ]);
  if (pushed.status === "rejected") throw pushed.reason;
  if (staged.status === "rejected") throw staged.reason;
  return {
    upToDate: false,
    ...pushed.value,
    ...(staged.value ? { sbom: await staged.value.commit() } : {}),
  };
}

/** Attaches a CycloneDX SBOM to a pushed artifact as an OCI referrer. */
export async function attachSbom(
  client: RegistryClient,
  target: Reference,
  artifact: Artifact,
  sbom: Sbom,
): Promise<ReferrerResult> {
  return pushReferrer(client, target, descriptorOf(artifact), sbomDoc(sbom));
}

function sbomDoc(sbom: Sbom): ReferrerDoc {
  return {
    artifactType: MediaType.CYCLONEDX,
    data: sbom.data,
    title: sbom.title,
    ...(sbom.created ? { annotations: { "org.opencontainers.image.created": sbom.created } } : {}),
  };
}
