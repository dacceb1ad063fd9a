import { KilnError, mapLimit } from "@kiln/schemas/core";
import type { FileDigestCache } from "./layer/digest-cache.js";
import type { PluginSource } from "./layer/source.js";
import type { EagerSink, LayerRecipe } from "./layer/writer.js";
import type { BlobStore } from "./layout/blob-store.js";
import type { Digest } from "./model/digest.js";
import { type Artifact, uniqueLayers } from "./model/image.js";
import type { Platform } from "./model/types.js";
import { appendLayers } from "./mutate/append.js";
import { buildPluginLayer, type PluginLayer } from "./mutate/plugins.js";
import type { RegistryClient } from "./remote/client.js";
import { fetchArtifact } from "./remote/read.js";
import { formatReference, parseReference, type Reference } from "./remote/reference.js";

export const KILN_PLUGINS_LABEL = "dev.kiln.plugins";

export interface BakeInput {
  /** The base image reference; pinned to the digest found. */
  base: string;
  plugins: PluginSource[];
  /** Platforms to keep from a multi-arch base (default: all). */
  platforms?: Platform[];
  recipe: LayerRecipe;
  /** org.opencontainers.image.source / .revision. */
  source?: string;
  revision?: string;
  labels?: Record<string, string>;
  /** Upload fresh layers to this registry while they are made (one pass); the push then finds them present. */
  eager?: EagerSink;
  /**
   * false: a fresh layer the registry took through `eager` is not also written to the layer
   * cache; it is made again from its files should a later output need its bytes.
   */
  keepLocal?: boolean;
  /** Digests of plugin files the lock does not pin, kept by file identity between runs. */
  digests?: FileDigestCache;
  /** Layer digests as soon as each is known (the base's, then each plugin's), so a push can check them early. */
  onLayers?: (digests: Digest[]) => void;
}

export interface BakeResult {
  artifact: Artifact;
  base: { reference: Reference; digest: Digest };
  plugins: PluginLayer[];
  labels: Record<string, string>;
}

export class BakeError extends KilnError {}

/** The labels kiln sets: OCI's annotation keys, plus the plugin list. */
export function bakeLabels(input: BakeInput, base: Reference, baseDigest: Digest): Record<string, string> {
  const labels: Record<string, string> = {
    "org.opencontainers.image.created": new Date(input.recipe.epoch * 1000)
      .toISOString()
      .replace(".000Z", "Z"),
    "org.opencontainers.image.base.name": formatReference({
      registry: base.registry,
      repository: base.repository,
      ...(base.tag ? { tag: base.tag } : {}),
    }),
    "org.opencontainers.image.base.digest": baseDigest,
    [KILN_PLUGINS_LABEL]: [...input.plugins]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => `${p.name}@${p.version}`)
      .join(","),
  };
  if (input.source) labels["org.opencontainers.image.source"] = input.source;
  if (input.revision) labels["org.opencontainers.image.revision"] = input.revision;
  return { ...labels, ...(input.labels ?? {}) };
}

/**
 * Bakes plugins onto a base: fetches the base's manifest(s) and config only,
 * builds (or reuses) one layer per plugin, and appends them to every platform.
 * Nothing is written anywhere but the layer cache: sinks take the result.
 */
export async function bake(client: RegistryClient, store: BlobStore, input: BakeInput): Promise<BakeResult> {
  const names = new Set<string>();
  for (const p of input.plugins) {
    if (names.has(p.name)) throw new BakeError(`plugin ${p.name} is listed twice`);
    names.add(p.name);
  }
  const ref = parseReference(input.base);
  // Both finish before bake returns, even when one fails: a layer still being written to the
  // cache must not outlive the command that started it.
  const [fetched, built] = await Promise.allSettled([
    fetchArtifact(client, ref, input.platforms ? { platforms: input.platforms } : {}).then((base) => {
      input.onLayers?.(uniqueLayers(base).map((l) => l.descriptor.digest));
      return base;
    }),
    // Plugins in name order (the layer order is part of the digest), made two at a time: a
    // layer whose bytes are made gives its turn to the next while the registry takes them in.
    mapLimit(
      [...input.plugins].sort((a, b) => (a.name < b.name ? -1 : 1)),
      2,
      async (p, _i, release): Promise<PluginLayer> => {
        const built = await buildPluginLayer(p, {
          store,
          recipe: input.recipe,
          onMade: release,
          ...(input.eager ? { eager: input.eager } : {}),
          ...(input.keepLocal === false ? { keepLocal: false } : {}),
          ...(input.digests ? { digests: input.digests } : {}),
        });
        input.onLayers?.([built.layer.descriptor.digest]);
        return built;
      },
    ),
  ]);
  if (fetched.status === "rejected") throw fetched.reason;
  if (built.status === "rejected") throw built.reason;
  const [base, layers] = [fetched.value, built.value];
  const labels = bakeLabels(input, ref, base.digest);
  const artifact = appendLayers(
    base,
    layers.map((l) => ({
      layer: l.layer,
      createdBy: `kiln bake: plugin ${l.plugin.name}@${l.plugin.version}`,
    })),
    { epoch: input.recipe.epoch, labels, compression: input.recipe.compression },
  );
  return {
    artifact,
    base: { reference: { ...ref, digest: base.digest }, digest: base.digest },
    plugins: layers,
    labels,
  };
}
