// What the catalog says about an artifact's identity and files, derived from the catalog alone
// (pure): the lock records it, `kiln lock --check` holds the lock to it, resolvers fetch by it.
import type { Artifact, GithubReleaseArtifact, MavenArtifact, UrlArtifact } from "@kiln/schemas";
import { ResolveError } from "../errors.js";

export const MAVEN_CENTRAL = "https://repo1.maven.org/maven2";

export function coordinates(a: MavenArtifact): string {
  const ext = a.extension ?? "jar";
  return [a.group, a.artifact, ext, ...(a.classifier ? [a.classifier] : []), a.version].join(":");
}

export function mavenSource(a: MavenArtifact): string {
  const scopes = a.transitive
    ? `+transitive(${(a.scopes ?? ["compile", "runtime"]).slice().sort().join(",")})`
    : "";
  return `maven:${coordinates(a)}${scopes}`;
}

/** The repository-relative path of an artifact, as every Maven 2 repository lays it out. */
export function mavenPath(
  a: Pick<MavenArtifact, "group" | "artifact" | "version" | "classifier" | "extension">,
): string {
  const ext = a.extension ?? "jar";
  const file = `${a.artifact}-${a.version}${a.classifier ? `-${a.classifier}` : ""}.${ext}`;
  return `${a.group.replace(/\./g, "/")}/${a.artifact}/${a.version}/${file}`;
}

export function githubSource(a: GithubReleaseArtifact): string {
  return `github-release:${a.repository}@${a.tag}/${a.asset}`;
}

export function urlSource(a: UrlArtifact): string {
  return `${a.type}:${a.url}${a.fileName ? `#${a.fileName}` : ""}`;
}

/** What the lock records of a catalog artifact before resolving it: identity, repository, auth variable and URL. */
export function sourceOf(a: Artifact): {
  source: string;
  url: string;
  repository?: string;
  authEnv?: string;
} {
  switch (a.type) {
    case "maven": {
      const m = a as MavenArtifact;
      return {
        source: mavenSource(m),
        url: `${repositoryOf(m.repository)}/${mavenPath(m)}`,
        ...(m.repository ? { repository: m.repository } : {}),
      };
    }
    case "github-release": {
      const g = a as GithubReleaseArtifact;
      return {
        source: githubSource(g),
        url: `https://github.com/${g.repository}/releases/download/${encodeURIComponent(g.tag)}/${encodeURIComponent(g.asset)}`,
      };
    }
    default: {
      const u = a as UrlArtifact;
      return { source: urlSource(u), url: u.url, ...(u.authEnv ? { authEnv: u.authEnv } : {}) };
    }
  }
}

/** A Maven repository URL without trailing slashes (Central when none is given). */
export function repositoryOf(repository: string | undefined): string {
  return (repository ?? MAVEN_CENTRAL).replace(/\/+$/, "");
}

export function unpackOf(type: string): "tgz" | "zip" | undefined {
  if (type === "tgz" || type === "tar.gz") return "tgz";
  if (type === "zip") return "zip";
  return undefined;
}

/**
 * The file a catalog artifact pins first (its only one, unless Maven resolves it transitively):
 * the name it gets in the plugin directory and whether it is unpacked there. Derived from the
 * catalog alone, so `kiln lock --check` can hold the lock to it without downloading.
 */
export function pinnedFileOf(a: Artifact): {
  fileName: string;
  url: string;
  unpack?: "tgz" | "zip";
  exclude?: string[];
} {
  const { url } = sourceOf(a);
  const exclude = (a as { exclude?: string[] }).exclude;
  const with_ = (fileName: string, unpack: "tgz" | "zip" | undefined) => ({
    fileName,
    url,
    ...(unpack ? { unpack } : {}),
    // The files of the package left out of the plugin directory travel with the file.
    ...(exclude ? { exclude } : {}),
  });
  switch (a.type) {
    case "maven": {
      const m = a as MavenArtifact;
      return with_(mavenPath(m).split("/").pop() as string, unpackOf(m.extension ?? "jar"));
    }
    case "github-release": {
      const g = a as GithubReleaseArtifact;
      const unpack = /\.(tar\.gz|tgz)$/.test(g.asset) ? "tgz" : g.asset.endsWith(".zip") ? "zip" : undefined;
      return with_(g.asset, unpack);
    }
    default: {
      const u = a as UrlArtifact;
      return with_(u.fileName ?? fileNameFromUrl(u.url), unpackOf(u.type));
    }
  }
}

function fileNameFromUrl(url: string): string {
  let last: string;
  try {
    last = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  } catch {
    last = "";
  }
  if (!/^[A-Za-z0-9._+-]+$/.test(last) || last === "." || last === "..") {
    throw new ResolveError(`cannot take a file name from ${url}; set fileName on the artifact`);
  }
  return last;
}

/** Whether Maven resolves this artifact's dependencies too (then the lock pins more than one file). */
export function isTransitive(a: Artifact): boolean {
  return a.type === "maven" && Boolean((a as MavenArtifact).transitive);
}
