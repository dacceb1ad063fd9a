import { rm, stat } from "node:fs/promises";
import type { Downloaded, Headers } from "./http.js";
import type { ResolveContext } from "./types.js";

/**
 * The one sha512 check. Returns the cache path of the file with digest
 * `sha512`, downloading it only when absent: streamed to a temp file while
 * hashed, checked (`verify` adds the repository's own checksum files), then
 * renamed into place. A mismatch deletes the temp file: nothing is cached.
 * Without `sha512` (a file being added to the catalog) it downloads and caches
 * whatever the source serves, under the digest it turns out to have.
 */
export async function fetchToCache(
  ctx: ResolveContext,
  req: {
    url: string;
    sha512: string | undefined;
    label: string;
    headers?: Headers;
    verify?: (d: Downloaded) => Promise<void>;
  },
): Promise<{ path: string; size: number; cached: boolean; sha512: string }> {
  const { cache } = ctx;
  if (req.sha512 && (await cache.has(req.sha512))) {
    ctx.onProgress?.({ kind: "cached", label: req.label });
    const path = cache.pathOf(req.sha512);
    return { path, size: (await stat(path)).size, cached: true, sha512: req.sha512 };
  }
  const tmp = await cache.tempPath();
  try {
    ctx.onProgress?.({ kind: "start", label: req.label });
    const d = await ctx.http.download(req.url, tmp, {
      ...(req.headers ? { headers: req.headers } : {}),
      onProgress: (received, total) =>
        ctx.onProgress?.({ kind: "progress", label: req.label, received, total }),
    });
    await req.verify?.(d);
    const path = await cache.commit(tmp, d.sha512, req.sha512, req.label, req.url);
    ctx.onProgress?.({ kind: "done", label: req.label, received: d.size, total: d.size });
    return { path, size: d.size, cached: false, sha512: d.sha512 };
  } finally {
    await rm(tmp, { force: true });
  }
}
