import type { FileDigestCache } from "../layer/digest-cache.js";
import {
  listFiles,
  type PluginSource,
  PluginSourceError,
  type ResolvedFile,
  resolveListing,
} from "../layer/source.js";
import { type EagerSink, entriesUnder, type LayerRecipe, madeLayer, writeLayer } from "../layer/writer.js";
import type { BlobStore } from "../layout/blob-store.js";
import type { Layer } from "../model/image.js";

export const PLUGINS_ROOT = "opt/kafka/plugins";

export interface PluginLayer {
  plugin: PluginSource;
  files: ResolvedFile[];
  layer: Layer;
  /** Whether the layer was reused from the cache. */
  cached: boolean;
  /** Whether the layer went to the registry while it was made. */
  eagerUploaded: boolean;
}

const NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/;

/**
 * One reproducible layer holding one plugin directory, as it is laid out, at `<root>/<plugin>/`
 * (root `opt/kafka/plugins` for baked images, the image root for plugin images). The directory's
 * layout (Strimzi's `<plugin>/<hash>/` included) is made when the plugin is resolved.
 */
export async function buildPluginLayer(
  p: PluginSource,
  opts: {
    store: BlobStore;
    recipe: LayerRecipe;
    root?: string;
    eager?: EagerSink;
    /** false: a layer the registry took through `eager` is not kept in the store (see `writeLayer`). */
    keepLocal?: boolean;
    /** Called once the layer's bytes are made (see `writeLayer`). */
    onMade?: () => void;
    /** Digests of files the lock does not pin, by file identity (see `FileDigestCache`). */
    digests?: FileDigestCache;
  },
): Promise<PluginLayer> {
  if (!NAME_RE.test(p.name))
    throw new PluginSourceError(
      `plugin name "${p.name}" cannot be a directory name (lower-case letters, digits, . _ -)`,
    );
  const listing = await listFiles(p, opts.digests);
  if (listing.files.length === 0) throw new PluginSourceError(`plugin ${p.name}: no files in ${p.dir}`);
  const root = opts.root ?? `${PLUGINS_ROOT}/${p.name}`;
  // Files the lock and the digest cache do not know are hashed while the layer packs them; a
  // time before any of them is read keeps the cache's racy-file check on the safe side. Without
  // a digest cache such a digest would be forgotten, and the layer never found in the cache
  // again: those files are read for their digests first.
  const listed = opts.digests ? listing.files : await resolveListing(listing);
  const startedAt = Date.now();
  const entries = entriesUnder(root, listed);
  const written = await writeLayer(entries, opts.recipe, opts.store, {
    ...(opts.eager ? { eager: opts.eager } : {}),
    ...(opts.keepLocal === false ? { keepLocal: false } : {}),
    ...(opts.onMade ? { onMade: opts.onMade } : {}),
  });
  const files = listed.map((f): ResolvedFile => {
    if (f.sha256) return { ...f, sha256: f.sha256 };
    const sha256 = written.learned?.get(f.abs);
    // A layer is reused only when every digest was known, so a file without one was packed.
    if (!sha256) throw new PluginSourceError(`plugin ${p.name}: ${f.path} was not packed`);
    listing.learn(f, sha256, startedAt);
    return { ...f, sha256 };
  });
  await listing.save();
  return {
    plugin: p,
    files,
    layer: madeLayer(opts.store, written, entries, opts.recipe),
    cached: written.cached,
    eagerUploaded: written.eagerUploaded ?? false,
  };
}
