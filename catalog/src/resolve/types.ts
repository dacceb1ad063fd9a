import type { Artifact } from "@kiln/schemas";
import type { Cache } from "../cache/cache.js";
import type { HttpClient } from "./http.js";
import type { MavenSettings } from "./maven-settings.js";

/** One file inside an unpacked archive, or a plugin directory: what the content digest is made of. */
export interface ContentEntry {
  /** Relative, `/`-separated. */
  path: string;
  /** Normalised: 0o644, 0o755, or 0o120777 for a symlink. */
  mode: number;
  size: number;
  sha256: string;
}

/** One verified file, as the lock pins it. */
export interface PinnedFile {
  fileName: string;
  /** Where it comes from, before mirrors (the lock stays the same behind any Nexus). */
  url: string;
  size: number;
  sha512: string;
  /** Filled when the plugin is laid out; the content digest is made of sha256s. */
  sha256?: string;
  /** Archives are unpacked into the plugin directory; other files are copied. */
  unpack?: "tgz" | "zip";
  /** What an archive unpacks to (filled when the plugin is laid out). */
  contents?: ContentEntry[];
  /** A jar Kafka already ships (kafka-clients, connect-api…): recorded, never laid out. */
  kafkaProvided?: boolean;
  /** An archive's files left out of the plugin directory (the artifact's `exclude` globs). */
  exclude?: string[];
}

/** A catalog artifact and the files it resolved to. */
export interface LockedArtifact {
  /** Identity of the catalog artifact, e.g. `maven:io.debezium:debezium-connector-postgres:tar.gz:plugin:3.3.1.Final`. */
  source: string;
  /** Maven repository (absent for Central). */
  repository?: string;
  /** Name of the environment variable holding an Authorization header value (never the value). */
  authEnv?: string;
  files: PinnedFile[];
}

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
