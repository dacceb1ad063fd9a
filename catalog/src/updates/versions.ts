import type {
  Artifact,
  ConnectorPlugin,
  GithubReleaseArtifact,
  MavenArtifact,
  UrlArtifact,
} from "@kiln/schemas";
import semver from "semver";
import { normalizeVersion } from "../version.js";

/** Whether `candidate` is a newer release than `current` (Maven-style versions compared as semver). */
export function isNewer(candidate: string, current: string, pre: boolean): boolean {
  const c = normalizeVersion(candidate);
  const now = normalizeVersion(current);
  if (!c || !now) return false;
  if (!pre && semver.prerelease(c)) return false;
  return semver.gt(c, now);
}

/** Newest first. */
export function newestFirst(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) =>
    semver.rcompare(normalizeVersion(a) ?? "0.0.0", normalizeVersion(b) ?? "0.0.0"),
  );
}

/** The artifacts that carry the entry's version (the ones a new release replaces), by index. */
export function versionedArtifacts(entry: ConnectorPlugin): Array<{ index: number; artifact: Artifact }> {
  const v = entry.version;
  return entry.artifacts.flatMap((artifact, index): Array<{ index: number; artifact: Artifact }> => {
    if (artifact.type === "maven")
      return (artifact as MavenArtifact).version === v ? [{ index, artifact }] : [];
    if (artifact.type === "github-release") {
      const tag = (artifact as GithubReleaseArtifact).tag;
      return tag === v || tag === `v${v}` ? [{ index, artifact }] : [];
    }
    return (artifact as UrlArtifact).url.includes(v) ? [{ index, artifact }] : [];
  });
}

/** The artifact as it would be for version `to`: its version, tag, asset name or URL moved along. */
export function artifactAt(artifact: Artifact, from: string, to: string): Artifact {
  const swap = (s: string) => s.split(from).join(to);
  switch (artifact.type) {
    case "maven":
      return { ...(artifact as MavenArtifact), version: to };
    case "github-release": {
      const g = artifact as GithubReleaseArtifact;
      return { ...g, tag: g.tag.startsWith("v") ? `v${to}` : to, asset: swap(g.asset) };
    }
    default: {
      const u = artifact as UrlArtifact;
      return { ...u, url: swap(u.url), ...(u.fileName ? { fileName: swap(u.fileName) } : {}) };
    }
  }
}
