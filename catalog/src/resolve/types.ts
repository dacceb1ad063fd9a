import type { Artifact } from "@kiln/schemas";
import type { Cache } from "../cache/cache.js";
import type { LockedArtifact, PinnedFile } from "../lock/types.js";
import type { HttpClient } from "./http.js";
import type { MavenSettings } from "./maven-settings.js";

export interface ProgressEvent {
  kind: "start" | "progress" | "done" | "cached";
  label: string;
  received?: number;
  total?: number | undefined;
}

export interface GithubOptions {
  /** REST API base, e.g. https://github.example.com/api/v3 for GitHub Enterprise. Default api.github.com or $GITHUB_API_URL. */
  baseUrl?: string;
  token?: string;
}

/** What resolvers share: the cache, one HTTP client, settings and a progress sink. */
export interface ResolveContext {
  cache: Cache;
  http: HttpClient;
  env: NodeJS.ProcessEnv;
  maven: () => Promise<MavenSettings>;
  github: GithubOptions;
  /** The `mvn` executable for transitive resolution (default `mvn`). */
  mvn?: string;
  onProgress?: (e: ProgressEvent) => void;
  /** The command's deadline (`--timeout`). */
  signal?: AbortSignal;
}

/** One resolver per source; all of them end in the same sha512 check (`fetchToCache`). */
export interface ArtifactResolver<A extends Artifact = Artifact> {
  /** Resolves a catalog artifact to pinned files, each verified and in the cache. */
  resolve(artifact: A, ctx: ResolveContext): Promise<LockedArtifact>;
  /** Brings one pinned file into the cache (no request at all when it is there); returns its path. */
  fetch(locked: LockedArtifact, file: PinnedFile, ctx: ResolveContext): Promise<string>;
}
