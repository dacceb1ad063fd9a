import type { PluginSource } from "@kiln/builder";
import { type Catalog, type Layout, type Lockfile, type ProgressEvent, resolvePlugins } from "@kiln/catalog";

export interface PluginSourceOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  layout?: Layout;
}

/**
 * Catalog entries resolved from the lock into what the builder bakes: each plugin directory,
 * its license, and every file with its digests and the URL of the artifact it comes from
 * (kept by resolution, so two files of one name in different artifacts are never mixed up).
 */
export async function pluginSources(
  catalog: Catalog,
  lock: Lockfile,
  names: readonly string[],
  opts: PluginSourceOptions,
): Promise<PluginSource[]> {
  if (names.length === 0) return [];
  const resolved = await resolvePlugins(catalog, lock, names, {
    env: opts.env,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.layout ? { layout: opts.layout } : {}),
  });
  return resolved.map((r) => {
    const license = catalog.get(r.name)?.license;
    return {
      name: r.name,
      version: r.version,
      dir: r.dir,
      ...(license ? { license } : {}),
      files: r.files.map((f) => ({
        path: f.path,
        size: f.size,
        sha256: f.sha256,
        sha512: f.sha512,
        url: f.url,
      })),
    };
  });
}
