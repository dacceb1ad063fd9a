import {
  type Artifact,
  descriptorOf,
  MediaType,
  type PushEvent,
  type PushResult,
  planPush,
  presentBlobs,
  pushArtifact,
  pushReferrer,
  type Reference,
  type ReferrerResult,
  type RegistryClient,
} from "@kiln/builder";

/** A push, or the finding that the target tag already names the artifact. */
export type Published = { upToDate: true; digest: string } | ({ upToDate: false } & PushResult);

/** Pushes an artifact unless the target tag already names it; the plan's checks are not repeated. */
export async function publish(
  client: RegistryClient,
  artifact: Artifact,
  target: Reference,
  onEvent?: (e: PushEvent) => void,
): Promise<Published> {
  const plan = await planPush(client, artifact, target);
  if (plan.upToDate) return { upToDate: true, digest: plan.digest };
  const pushed = await pushArtifact(client, artifact, target, {
    ...(onEvent ? { onEvent } : {}),
    present: presentBlobs(plan),
  });
  return { upToDate: false, ...pushed };
}

/** Attaches a CycloneDX SBOM to a pushed artifact as an OCI referrer. */
export async function attachSbom(
  client: RegistryClient,
  target: Reference,
  artifact: Artifact,
  sbom: { data: Buffer; title: string; created?: string },
): Promise<ReferrerResult> {
  return pushReferrer(client, target, descriptorOf(artifact), {
    artifactType: MediaType.CYCLONEDX,
    data: sbom.data,
    title: sbom.title,
    ...(sbom.created ? { annotations: { "org.opencontainers.image.created": sbom.created } } : {}),
  });
}
