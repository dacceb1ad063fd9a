import type { UrlArtifact } from "@kiln/schemas";
import { ResolveError } from "../errors.js";
import { pinnedFileOf, urlSource } from "../lock/sources.js";
import type { LockedArtifact, PinnedFile } from "../lock/types.js";
import { fetchToCache } from "./fetch.js";
import type { Headers } from "./http.js";
import type { ArtifactResolver, ResolveContext } from "./types.js";

/** The Authorization header from the environment variable an artifact names; the value never leaves memory. */
export function authHeaders(authEnv: string | undefined, env: NodeJS.ProcessEnv, what: string): Headers {
  if (!authEnv) return {};
  const value = env[authEnv];
  if (!value) throw new ResolveError(`${what} needs credentials: set the environment variable ${authEnv}`);
  return { authorization: value };
}

/** `jar`, `tgz`, `zip` and `other` artifacts by https URL. */
export const urlResolver: ArtifactResolver<UrlArtifact> = {
  async resolve(a, ctx): Promise<LockedArtifact> {
    const headers = authHeaders(a.authEnv, ctx.env, a.url);
    const pinned = pinnedFileOf(a);
    const got = await fetchToCache(ctx, { url: a.url, sha512: a.sha512, label: pinned.fileName, headers });
    const file: PinnedFile = { ...pinned, size: got.size, sha512: a.sha512 };
    return { source: urlSource(a), ...(a.authEnv ? { authEnv: a.authEnv } : {}), files: [file] };
  },

  async fetch(locked: LockedArtifact, file: PinnedFile, ctx: ResolveContext): Promise<string> {
    const headers = (await ctx.cache.has(file.sha512)) ? {} : authHeaders(locked.authEnv, ctx.env, file.url);
    return (await fetchToCache(ctx, { url: file.url, sha512: file.sha512, label: file.fileName, headers }))
      .path;
  },
};
