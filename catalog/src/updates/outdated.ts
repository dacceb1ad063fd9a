import type { ConnectorPlugin, GithubReleaseArtifact, MavenArtifact } from "@kiln/schemas";
import semver from "semver";
import { mavenPath } from "../lock/sources.js";
import { listReleases, tokenOf } from "../resolve/github.js";
import { effectiveRepository } from "../resolve/maven-settings.js";
import { createContext, type ResolveOptions } from "../resolve/plugins.js";
import type { ResolveContext } from "../resolve/types.js";
import { normalizeVersion } from "../version.js";
import { artifactAt, isNewer, newestFirst, versionedArtifacts } from "./versions.js";

export interface Update {
  name: string;
  current: string;
  /** The newest release whose artifact can be downloaded. */
  latest: string;
  /** Every newer release the source lists, newest first (some may not be served). */
  newer: string[];
  source: "maven" | "github-release";
  /** Why `latest` is not the newest listed, when it is not. */
  note?: string;
}

export interface Unchecked {
  name: string;
  reason: string;
}

export interface OutdatedReport {
  updates: Update[];
  unchecked: Unchecked[];
  /** Entries that are up to date. */
  current: string[];
}

/** The versions `maven-metadata.xml` lists (parsed by element, never trusted beyond that). */
export function metadataVersions(xml: string): string[] {
  return [...xml.matchAll(/<version>\s*([^<\s]+)\s*<\/version>/g)].map((m) => m[1] as string);
}

const fileOf = (a: MavenArtifact) => mavenPath(a).split("/").pop() as string;

/** `latest` is the first of `newer` (newest first) whose files are served; `note` says why the ones before it were passed over. */
function updateTo(latest: string, newer: string[], note: (skipped: string[]) => string) {
  const skipped = newer.slice(0, newer.indexOf(latest));
  return { update: { latest, newer, ...(skipped.length ? { note: note(skipped) } : {}) } };
}

async function mavenUpdate(entry: ConnectorPlugin, a: MavenArtifact, ctx: ResolveContext, pre: boolean) {
  const repo = effectiveRepository(await ctx.maven(), a.repository);
  const url = `${repo.url}/${a.group.replace(/\./g, "/")}/${a.artifact}/maven-metadata.xml`;
  const xml = await ctx.http.getText(url, repo.headers, { optional: true });
  if (xml === undefined)
    return { reason: `${a.group}:${a.artifact} has no maven-metadata.xml in ${repo.url}` };
  let newer = newestFirst(metadataVersions(xml).filter((v) => isNewer(v, entry.version, pre)));
  // Kafka's own plugins report the worker's version: they follow the Kafka lines the entry claims.
  if (a.group === "org.apache.kafka")
    newer = newer.filter((v) => semver.satisfies(normalizeVersion(v) ?? "0.0.0", entry.kafka));
  // Metadata can list a release whose files a mirror does not (yet) serve: take the newest that is.
  for (const v of newer) {
    const at = artifactAt(a, entry.version, v) as MavenArtifact;
    const sha1 = await ctx.http.getText(`${repo.url}/${mavenPath(at)}.sha1`, repo.headers, {
      optional: true,
    });
    if (sha1 === undefined) continue;
    return updateTo(
      v,
      newer,
      (skipped) =>
        `${skipped.join(", ")} listed, but the repository serves no .sha1 for ${fileOf(artifactAt(a, entry.version, skipped[0] as string) as MavenArtifact)} (kiln verifies every download against it)`,
    );
  }
  return newer.length > 0
    ? {
        reason: `${newer.join(", ")} listed, but ${repo.url} serves no .sha1 for their ${a.classifier ? `${a.classifier} ` : ""}${a.extension ?? "jar"} (kiln verifies every download against it)`,
      }
    : {};
}

async function githubUpdate(
  entry: ConnectorPlugin,
  a: GithubReleaseArtifact,
  ctx: ResolveContext,
  pre: boolean,
) {
  if (!tokenOf(ctx)) return { reason: "a GitHub release: set GITHUB_TOKEN to check for newer releases" };
  const releases = await listReleases(a.repository, ctx);
  const byVersion = new Map<string, (typeof releases)[number]>();
  for (const r of releases) {
    if (r.draft || (r.prerelease && !pre)) continue;
    const v = r.tag_name.replace(/^v(?=\d)/, "");
    if (isNewer(v, entry.version, pre)) byVersion.set(v, r);
  }
  const newer = newestFirst([...byVersion.keys()]);
  for (const v of newer) {
    const at = artifactAt(a, entry.version, v) as GithubReleaseArtifact;
    if (byVersion.get(v)?.assets.some((x) => x.name === at.asset))
      return updateTo(
        v,
        newer,
        (skipped) => `${skipped.join(", ")} released without an asset named like ${a.asset}`,
      );
  }
  return newer.length > 0
    ? { reason: `${newer.join(", ")} released, but without an asset named like ${a.asset}` }
    : {};
}

/**
 * Which entries have newer releases: Maven metadata through the user's mirrors and credentials,
 * GitHub releases through the API when a token is set. Versions compare as semver (Maven
 * qualifiers understood); pre-releases only with `pre`. URL sources cannot be checked.
 */
export async function findUpdates(
  entries: readonly ConnectorPlugin[],
  opts: { pre?: boolean; resolve?: ResolveOptions } = {},
): Promise<OutdatedReport> {
  const ctx = createContext(opts.resolve);
  const out: OutdatedReport = { updates: [], unchecked: [], current: [] };
  for (const entry of [...entries].sort((x, y) => x.name.localeCompare(y.name))) {
    const [first] = versionedArtifacts(entry);
    if (!first) {
      out.unchecked.push({
        name: entry.name,
        reason: `no artifact carries the entry's version ${entry.version}`,
      });
      continue;
    }
    const a = first.artifact;
    if (a.type !== "maven" && a.type !== "github-release") {
      out.unchecked.push({ name: entry.name, reason: "an https URL: nothing lists its releases" });
      continue;
    }
    const found =
      a.type === "maven"
        ? await mavenUpdate(entry, a as MavenArtifact, ctx, opts.pre ?? false)
        : await githubUpdate(entry, a as GithubReleaseArtifact, ctx, opts.pre ?? false);
    if ("update" in found && found.update)
      out.updates.push({ name: entry.name, current: entry.version, source: a.type, ...found.update });
    else if ("reason" in found && found.reason)
      out.unchecked.push({ name: entry.name, reason: found.reason });
    else out.current.push(entry.name);
  }
  return out;
}
