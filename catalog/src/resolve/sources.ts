import type { Artifact, GithubReleaseArtifact, MavenArtifact, UrlArtifact } from "@kiln/schemas";
import { githubSource } from "./github.js";
import { mavenPath, mavenSource } from "./maven.js";
import { MAVEN_CENTRAL } from "./maven-settings.js";
import { urlSource } from "./url.js";

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
      const repo = (m.repository ?? MAVEN_CENTRAL).replace(/\/+$/, "");
      return {
        source: mavenSource(m),
        url: `${repo}/${mavenPath(m)}`,
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
