import type { UrlArtifact } from "@kiln/schemas";
import { ResolveError } from "./errors.js";
import { fetchToCache } from "./fetch.js";
import type { Headers } from "./http.js";
import type { ArtifactResolver, LockedArtifact, PinnedFile, ResolveContext } from "./types.js";

export function urlSource(a: UrlArtifact): string {
  return `${a.type}:${a.url}${a.fileName ? `#${a.fileName}` : ""}`;
}

export function unpackOf(type: string): "tgz" | "zip" | undefined {
  if (type === "tgz" || type === "tar.gz") return "tgz";
  if (type === "zip") return "zip";
  return undefined;
}

/** The Authorization header from the environment variable an artifact names; the value never leaves memory. */
export function authHeaders(authEnv: string | undefined, env: NodeJS.ProcessEnv, what: string): Headers {
  if (!authEnv) return {};
  const value = env[authEnv];
  if (!value) throw new ResolveError(`${what} needs credentials: set the environment variable ${authEnv}`);
  return { authorization: value };
}

function fileNameOf(a: UrlArtifact): string {
  if (a.fileName) return a.fileName;
  const last = decodeURIComponent(new URL(a.url).pathname.split("/").pop() ?? "");
  if (!/^[A-Za-z0-9._+-]+$/.test(last)) {
    throw new ResolveError(`cannot take a file name from ${a.url}; set fileName on the artifact`);
  }
  return last;
}

/** `jar`, `tgz`, `zip` and `other` artifacts by https URL. */
export const urlResolver: ArtifactResolver<UrlArtifact> = {
  async resolve(a, ctx): Promise<LockedArtifact> {
    const headers = authHeaders(a.authEnv, ctx.env, a.url);
    const fileName = fileNameOf(a);
    const got = await fetchToCache(ctx, { url: a.url, sha512: a.sha512, label: fileName, headers });
    const unpack = unpackOf(a.type);
    const file: PinnedFile = {
      fileName,
      url: a.url,
      size: got.size,
      sha512: a.sha512,
      ...(unpack ? { unpack } : {}),
      ...(a.exclude ? { exclude: a.exclude } : {}),
    };
    return { source: urlSource(a), ...(a.authEnv ? { authEnv: a.authEnv } : {}), files: [file] };
  },

  async fetch(locked: LockedArtifact, file: PinnedFile, ctx: ResolveContext): Promise<string> {
    const headers = (await ctx.cache.has(file.sha512)) ? {} : authHeaders(locked.authEnv, ctx.env, file.url);
    return (await fetchToCache(ctx, { url: file.url, sha512: file.sha512, label: file.fileName, headers }))
      .path;
  },
};
