import { type PluginSource, PluginSourceError, type ResolvedFile, resolveFiles } from "../layer/source.js";
import { type EagerSink, entriesUnder, type LayerRecipe, storedLayer, writeLayer } from "../layer/writer.js";
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
  opts: { store: BlobStore; recipe: LayerRecipe; root?: string; eager?: EagerSink },
): Promise<PluginLayer> {
  if (!NAME_RE.test(p.name))
    throw new PluginSourceError(
      `plugin name "${p.name}" cannot be a directory name (lower-case letters, digits, . _ -)`,
    );
  const files = await resolveFiles(p);
  if (files.length === 0) throw new PluginSourceError(`plugin ${p.name}: no files in ${p.dir}`);
  const root = opts.root ?? `${PLUGINS_ROOT}/${p.name}`;
  const entries = entriesUnder(root, files);
  const written = await writeLayer(entries, opts.recipe, opts.store, opts.eager ? { eager: opts.eager } : {});
  return {
    plugin: p,
    files,
    layer: storedLayer(opts.store, written),
    cached: written.cached,
    eagerUploaded: written.eagerUploaded ?? false,
  };
}
