import { stat } from "node:fs/promises";
import { abortedError, describeNetworkError, type GithubReleaseArtifact } from "@kiln/schemas";
import { Octokit } from "@octokit/rest";
import { ResolveError } from "../errors.js";
import { githubSource, pinnedFileOf } from "../lock/sources.js";
import type { LockedArtifact, PinnedFile } from "../lock/types.js";
import { fetchToCache } from "./fetch.js";
import type { ArtifactResolver, ResolveContext } from "./types.js";

export const GITHUB_API = "https://api.github.com";

function baseUrlOf(ctx: ResolveContext): string {
  return (ctx.github.baseUrl ?? ctx.env.GITHUB_API_URL ?? GITHUB_API).replace(/\/+$/, "");
}

export function tokenOf(ctx: ResolveContext): string | undefined {
  return ctx.github.token ?? ctx.env.GITHUB_TOKEN ?? undefined;
}

function octokitFor(ctx: ResolveContext): Octokit {
  const token = tokenOf(ctx);
  const octokit = new Octokit({
    baseUrl: baseUrlOf(ctx),
    userAgent: "kiln/0.1",
    ...(token ? { auth: token } : {}),
    ...(ctx.signal ? { request: { signal: ctx.signal } } : {}),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  // API calls count as requests too (a warm resolve must make none).
  octokit.hook.before("request", () => {
    ctx.http.stats.requests++;
  });
  return octokit;
}

interface RequestErrorLike {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * Maps an octokit failure to one sentence: not found, rate limit (with reset time), or denied.
 * With a tag it is about that release; without, about the repository's list of releases.
 */
function githubError(
  err: unknown,
  a: { repository: string; tag?: string },
  baseUrl: string,
  signal?: AbortSignal,
): Error {
  const what = a.tag ? `release ${a.repository}@${a.tag}` : `the releases of ${a.repository}`;
  const timedOut = abortedError(signal, `asking GitHub for ${what}`, err);
  if (timedOut) return timedOut;
  const e = err as RequestErrorLike;
  const headers = e.response?.headers ?? {};
  const path = a.tag ? `releases/tags/${a.tag}` : "releases";
  const where = { location: { url: `${baseUrl}/repos/${a.repository}/${path}` }, cause: err };
  if ((e.status === 403 || e.status === 429) && String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) ? new Date(reset * 1000).toISOString() : "later";
    return new ResolveError(
      `GitHub API rate limit exhausted (resets ${when}); set GITHUB_TOKEN for a higher limit`,
      where,
    );
  }
  if (e.status === 404)
    return new ResolveError(
      a.tag
        ? `GitHub release ${a.repository}@${a.tag} not found`
        : `GitHub repository ${a.repository} not found (or GITHUB_TOKEN cannot see it)`,
      where,
    );
  if (e.status === 401 || e.status === 403) {
    return new ResolveError(
      `GitHub denied access to ${a.repository} (${e.status}); check GITHUB_TOKEN`,
      where,
    );
  }
  return new ResolveError(
    `GitHub API call for ${a.tag ? `${a.repository}@${a.tag}` : what} failed: ${e.status ? `HTTP ${e.status}` : describeNetworkError(err)}`,
    where,
  );
}

/** The releases of a repository, newest first as GitHub lists them (the first 100). */
export async function listReleases(repository: string, ctx: ResolveContext) {
  const [owner, repo] = repository.split("/") as [string, string];
  try {
    return (await octokitFor(ctx).rest.repos.listReleases({ owner, repo, per_page: 100 })).data;
  } catch (err) {
    throw githubError(err, { repository }, baseUrlOf(ctx), ctx.signal);
  }
}

/** Finds the asset's API URL (works for private repositories and GitHub Enterprise alike). */
async function findAsset(
  a: Pick<GithubReleaseArtifact, "repository" | "tag" | "asset">,
  ctx: ResolveContext,
): Promise<{ url: string; size: number }> {
  const [owner, repo] = a.repository.split("/") as [string, string];
  const octokit = octokitFor(ctx);
  let release: Awaited<ReturnType<Octokit["rest"]["repos"]["getReleaseByTag"]>>["data"];
  try {
    release = (await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: a.tag })).data;
  } catch (err) {
    throw githubError(err, a, baseUrlOf(ctx), ctx.signal);
  }
  const asset = release.assets.find((x) => x.name === a.asset);
  if (!asset) {
    const names = release.assets.map((x) => x.name).join(", ") || "none";
    throw new ResolveError(`release ${a.repository}@${a.tag} has no asset "${a.asset}" (assets: ${names})`);
  }
  return { url: asset.url, size: asset.size };
}

async function download(ctx: ResolveContext, url: string, sha512: string | undefined, label: string) {
  const token = tokenOf(ctx);
  // The asset API answers a redirect to storage on another host; HttpClient drops Authorization there.
  const headers: Record<string, string> = {
    accept: "application/octet-stream",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  return fetchToCache(ctx, { url, sha512, label, headers });
}

/** Downloads a release asset into the cache (for a file being added: its sha512 is not known yet). */
export async function fetchReleaseAsset(
  a: Pick<GithubReleaseArtifact, "repository" | "tag" | "asset">,
  ctx: ResolveContext,
): Promise<{ path: string; size: number; sha512: string }> {
  return download(ctx, (await findAsset(a, ctx)).url, undefined, a.asset);
}

/** Release assets through the GitHub REST API (api.github.com or an Enterprise `baseUrl`). */
export const githubReleaseResolver: ArtifactResolver<GithubReleaseArtifact> = {
  async resolve(a, ctx): Promise<LockedArtifact> {
    // Pinned and present: no API call at all.
    const size = (await ctx.cache.has(a.sha512))
      ? (await stat(ctx.cache.pathOf(a.sha512))).size
      : (await download(ctx, (await findAsset(a, ctx)).url, a.sha512, a.asset)).size;
    const file: PinnedFile = { ...pinnedFileOf(a), size, sha512: a.sha512 };
    return { source: githubSource(a), files: [file] };
  },

  async fetch(locked, file, ctx): Promise<string> {
    if (await ctx.cache.has(file.sha512)) return ctx.cache.pathOf(file.sha512);
    const m = /^github-release:([^@]+)@(.+)\/([^/]+)$/.exec(locked.source);
    if (!m) throw new ResolveError(`lock source ${locked.source} is not a GitHub release; run kiln lock`);
    const a: GithubReleaseArtifact = {
      type: "github-release",
      repository: m[1] as string,
      tag: m[2] as string,
      asset: m[3] as string,
      sha512: file.sha512,
      checksumSource: "kiln.lock.json",
    };
    const asset = await findAsset(a, ctx);
    return (await download(ctx, asset.url, file.sha512, a.asset)).path;
  },
};
