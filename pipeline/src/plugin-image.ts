import {
  type Artifact,
  type BlobStore,
  buildPluginLayer,
  type LayerRecipe,
  type Platform,
  type PluginLayer,
  type PluginSource,
  pluginImage,
} from "@kiln/builder";

/** A plugin as an image of its own: its one layer, files at the root, for Strimzi's image-volume mounts. */
export async function pluginArtifact(
  source: PluginSource,
  store: BlobStore,
  recipe: LayerRecipe,
  platforms?: Platform[],
): Promise<{ layer: PluginLayer; artifact: Artifact }> {
  const layer = await buildPluginLayer(source, { store, recipe, root: "" });
  const artifact = pluginImage({
    name: source.name,
    version: source.version,
    layer: layer.layer,
    epoch: recipe.epoch,
    ...(platforms ? { platforms } : {}),
  });
  return { layer, artifact };
}
