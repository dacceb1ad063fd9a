import {
  type Artifact,
  type ConnectorPlugin,
  type GithubReleaseArtifact,
  type MavenArtifact,
  mapLimit,
  type UrlArtifact,
} from "@kiln/schemas";
import { Cache } from "../cache/cache.js";
import type { Catalog } from "../catalog.js";
import { ResolveError } from "../errors.js";
import { LOCKFILE_VERSION, type LockedPlugin, type Lockfile, lockProblems } from "../lock/lock.js";
import { contentDigest, type Layout, planPlugin } from "../lock/plan.js";
import type { LockedArtifact, PinnedFile } from "../lock/types.js";
import type { ExtractLimits } from "./extract.js";
import { githubReleaseResolver } from "./github.js";
import { HttpClient, type HttpOptions } from "./http.js";
import { cachedPlugin, materializePlugin } from "./layout.js";
import { mavenResolver } from "./maven.js";
import { type MavenSettings, readMavenSettings } from "./maven-settings.js";
import type { GithubOptions, ProgressEvent, ResolveContext } from "./types.js";
import { urlResolver } from "./url.js";

export interface ResolveOptions {
  /** Cache root; default `$KILN_CACHE` or `~/.cache/kiln`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** An HttpClient to share (its `stats` count requests), or options for a new one. */
  http?: HttpClient | HttpOptions;
  github?: GithubOptions;
  /** Maven settings; default read from `~/.m2/settings.xml` and `KILN_MAVEN_REPOSITORY`. */
  maven?: MavenSettings;
  mvn?: string;
  /** Plugins resolved at once (default 4). */
  concurrency?: number;
  layout?: Layout;
  limits?: ExtractLimits;
  onProgress?: (e: ProgressEvent) => void;
  /** The command's deadline: downloads, API calls and Maven stop when it fires. */
  signal?: AbortSignal;
}

/** One file of a resolved plugin directory. */
export interface ResolvedFile {
  /** Relative to `dir`, `/`-separated. */
  path: string;
  mode: number;
  size: number;
  sha256: string;
  sha512: string;
  /** The artifact it comes from, as the lock pins it (an archive's URL for what it unpacks to). */
  url: string;
}

/** A plugin directory, laid out and verified against the lock, ready to copy into an image. */
export interface ResolvedPlugin {
  name: string;
  version: string;
  /** Absolute path of the plugin directory (in the cache; never modify it). */
  dir: string;
  files: ResolvedFile[];
  /** Content digest (`sha256:…`) of `dir` in the chosen layout. */
  digest: string;
}

export function createContext(opts: ResolveOptions = {}): ResolveContext {
  const env = opts.env ?? process.env;
  const http =
    opts.http instanceof HttpClient
      ? opts.http
      : new HttpClient({ ...opts.http, ...(opts.signal ? { signal: opts.signal } : {}) });
  let settings: Promise<MavenSettings> | undefined = opts.maven ? Promise.resolve(opts.maven) : undefined;
  return {
    cache: opts.cacheDir ? new Cache(opts.cacheDir) : Cache.fromEnv(env),
    http,
    env,
    maven: () => {
      settings ??= readMavenSettings(env);
      return settings;
    },
    github: opts.github ?? {},
    ...(opts.mvn ? { mvn: opts.mvn } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

function resolverFor(source: string) {
  if (source.startsWith("maven:")) return mavenResolver;
  if (source.startsWith("github-release:")) return githubReleaseResolver;
  return urlResolver;
}

async function resolveArtifact(a: Artifact, ctx: ResolveContext): Promise<LockedArtifact> {
  switch (a.type) {
    case "maven":
      return mavenResolver.resolve(a as MavenArtifact, ctx);
    case "github-release":
      return githubReleaseResolver.resolve(a as GithubReleaseArtifact, ctx);
    default:
      return urlResolver.resolve(a as UrlArtifact, ctx);
  }
}

/**
 * Resolves one catalog entry from its sources (downloads verified into the
 * cache, transitive Maven dependencies included), lays it out, and returns
 * what the lock pins for it.
 */
export async function lockPlugin(
  entry: ConnectorPlugin,
  ctx: ResolveContext,
  limits?: ExtractLimits,
): Promise<LockedPlugin> {
  const artifacts: LockedArtifact[] = [];
  for (const a of entry.artifacts) artifacts.push(await resolveArtifact(a, ctx));
  const files = artifacts.flatMap((a) => a.files);
  const withPaths = files.map((f) => ({ ...f, cachePath: ctx.cache.pathOf(f.sha512) }));
  const m = await materializePlugin(ctx.cache, entry.name, withPaths, limits ? { limits } : {});
  files.forEach((f, i) => {
    const made = m.perFile[i] ?? [];
    if (f.kafkaProvided) return;
    if (f.unpack) f.contents = made.map(({ sha512: _, ...c }) => c);
    else f.sha256 = made[0]?.sha256 as string;
  });
  const digest = contentDigest(planPlugin(files));
  if (digest !== m.digest)
    throw new ResolveError(
      `planned digest ${digest} differs from laid-out ${m.digest} (plugin ${entry.name})`,
    );
  return { version: entry.version, artifacts, digest };
}

/** `kiln lock`: resolves the named entries (default all) and returns the whole new lock. */
export async function lockCatalog(
  catalog: Catalog,
  previous: Lockfile | undefined,
  names: readonly string[] | undefined,
  opts: ResolveOptions = {},
): Promise<Lockfile> {
  const ctx = createContext(opts);
  const entries = pick(catalog, names);
  const locked = await mapLimit(entries, opts.concurrency ?? 4, (e) => lockPlugin(e, ctx, opts.limits));
  const plugins: Record<string, LockedPlugin> = {};
  if (names && previous) {
    for (const e of catalog.entries) {
      const p = previous.plugins[e.entry.name];
      if (p) plugins[e.entry.name] = p;
    }
  }
  entries.forEach((e, i) => {
    plugins[e.name] = locked[i] as LockedPlugin;
  });
  return { lockfileVersion: LOCKFILE_VERSION, plugins };
}

function pick(catalog: Catalog, names: readonly string[] | undefined): ConnectorPlugin[] {
  if (!names || names.length === 0) return catalog.entries.map((e) => e.entry);
  return names.map((n) => {
    const e = catalog.get(n);
    if (!e) throw new ResolveError(`no catalog entry named "${n}" (kiln catalog list shows them)`);
    return e;
  });
}

/**
 * What the builder uses: plugin directories made only from what the lock
 * pins. A plugin whose lock entry disagrees with the catalog is refused (run
 * `kiln lock`); every file is checked against its sha512 and the directory
 * against the locked digest. Warm (everything in the cache) it makes no
 * network request at all.
 */
export async function resolvePlugins(
  catalog: Catalog,
  lock: Lockfile,
  names: readonly string[] | undefined,
  opts: ResolveOptions = {},
): Promise<ResolvedPlugin[]> {
  const ctx = createContext(opts);
  const layout = opts.layout ?? "plugin";
  return mapLimit(pick(catalog, names), opts.concurrency ?? 4, async (entry) => {
    const locked = lock.plugins[entry.name];
    const problems = lockProblems(entry, locked);
    if (problems.length > 0 || !locked) {
      throw new ResolveError(
        `the lock does not match the catalog (run kiln lock):\n  ${problems.join("\n  ")}`,
      );
    }
    const files: PinnedFile[] = locked.artifacts.flatMap((a) => a.files);
    const planned = planPlugin(files, layout);
    const expected = contentDigest(planned);
    const hit = await cachedPlugin(ctx.cache, entry.name, expected);
    const made =
      hit ??
      (await (async () => {
        const withPaths = [];
        for (const a of locked.artifacts) {
          for (const f of a.files) {
            const cachePath = f.kafkaProvided ? "" : await resolverFor(a.source).fetch(a, f, ctx);
            withPaths.push({ ...f, cachePath });
          }
        }
        return materializePlugin(ctx.cache, entry.name, withPaths, {
          layout,
          ...(opts.limits ? { limits: opts.limits } : {}),
        });
      })());
    const urls = new Map(planned.map((e) => [e.path, e.url]));
    if (made.digest !== expected) {
      throw new ResolveError(
        `plugin ${entry.name} laid out to ${made.digest}, but the lock pins ${expected}`,
      );
    }
    return {
      name: entry.name,
      version: entry.version,
      dir: made.dir,
      digest: made.digest,
      // The digest matched, so the directory holds exactly the planned paths.
      files: made.files.map(({ path, mode, size, sha256, sha512 }) => ({
        path,
        mode,
        size,
        sha256,
        sha512,
        url: urls.get(path) as string,
      })),
    };
  });
}
