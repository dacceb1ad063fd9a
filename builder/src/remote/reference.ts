import { KilnError } from "@kiln/schemas/core";
import { type Digest, isDigest } from "../model/digest.js";

/** `registry/repository[:tag][@digest]`, parsed the way Docker does. */
export interface Reference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: Digest;
}

export class ImageReferenceError extends KilnError {}

const DOCKER_HUB = "index.docker.io";
const REPO_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseReference(input: string): Reference {
  let rest = input.trim();
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d))
      throw new ImageReferenceError(`image reference "${input}": "${d}" is not a sha256 digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      throw new ImageReferenceError(`image reference "${input}": "${tag}" is not a valid tag`);
  }
  const first = rest.split("/")[0] ?? "";
  let registry = DOCKER_HUB;
  let repository = rest;
  if (rest.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first;
    repository = rest.slice(first.length + 1);
  }
  if (registry === "docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (!REPO_RE.test(repository))
    throw new ImageReferenceError(
      `image reference "${input}": "${repository}" is not a valid repository name`,
    );
  if (!tag && !digest) tag = "latest";
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatReference(r: Reference): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ""}${r.digest ? `@${r.digest}` : ""}`;
}

/** What a manifest request names: the digest when pinned, else the tag. */
export function manifestRef(r: Reference): string {
  return r.digest ?? r.tag ?? "latest";
}
