import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import {
  type Artifact,
  type BlobStore,
  bake,
  descriptorOf,
  formatReference,
  generateSbom,
  headManifest,
  type LayerRecipe,
  type PluginLayer,
  type PluginSource,
  type PushEvent,
  parseReference,
  type RegistryClient,
  recipeFromEnv,
  writeLayout,
} from "@kiln/builder";
import { checkLock, type ProgressEvent, readCatalog } from "@kiln/catalog";
import { type Cluster, type Diagnostic, KilnError, strimziKafkaImage } from "@kiln/schemas";
import { type ClusterFile, readClusterFiles } from "./cluster-files.js";
import type { RunContext } from "./context.js";
import { readLockfile } from "./lockfile.js";
import { pluginArtifact } from "./plugin-image.js";
import { pluginSources } from "./plugin-sources.js";
import { attachSbom, publish } from "./publish.js";
import { imageStore, type RegistryOptions, registryClient } from "./registry.js";
import { renderToDir } from "./render.js";

export interface BuildRequest extends RegistryOptions {
  /** Cluster files or directories. */
  paths: string[];
  catalog: string;
  lockfile?: string;
  out: string;
  /** Also push every image to this registry (e.g. ghcr.io/acme). */
  push?: string;
}

export interface BuildHooks {
  /** A step begins (validate, lock check, resolve, bake, render). */
  onStep?: (what: string) => void;
  /** A finding of validation, or a line of the lock check. */
  onFinding?: (finding: Diagnostic | string) => void;
  onProgress?: (e: ProgressEvent) => void;
  onPush?: (e: PushEvent) => void;
}

export interface BuiltImage {
  kind: "connect" | "plugin";
  /** `repository@sha256:…`, the reference manifests pin. */
  reference: string;
  digest: string;
  clusterFile?: string;
  cluster?: string;
  connect?: string;
  plugin?: string;
  pushed: boolean;
}

/**
 * How a Connect cluster gets its plugins: baked into an image built for it, mounted as image
 * volumes onto its base (when the base could not be reached), or none to add (the image as declared).
 */
export interface ConnectPath {
  cluster: string;
  connect: string;
  path: "baked" | "plugin-volumes" | "declared";
  /** The image its KafkaConnect runs. */
  image: string;
}

export interface BuildSummary {
  catalog: { entries: number };
  images: BuiltImage[];
  connects: ConnectPath[];
  skipped: string[];
  sboms: string[];
  manifests: Array<{ cluster: string; dir: string; files: number }>;
}

/** Validation or the lock check stopped the build; the findings went to `onFinding`. */
export class BuildStopped extends KilnError {}

/** Where images are named when nothing is pushed: they exist only in out/oci until pushed. */
const LOCAL_REGISTRY = "kiln.local";

interface Publisher {
  client: RegistryClient;
  layout: string;
  push?: string;
  onPush?: (e: PushEvent) => void;
}

/** Pins a built artifact where it should live: pushed when a registry is given, always in out/oci. */
async function pin(
  p: Publisher,
  artifact: Artifact,
  repository: string,
  tag: string,
): Promise<{ reference: string; pushed: boolean }> {
  const digest = descriptorOf(artifact).digest;
  await writeLayout(p.layout, artifact, { refName: `${repository}:${tag}` });
  if (!p.push) return { reference: `${repository}@${digest}`, pushed: false };
  const target = parseReference(`${repository}:${tag}`);
  await publish(p.client, artifact, target, p.onPush ? { onEvent: p.onPush } : {});
  return { reference: formatReference({ ...target, tag: undefined, digest }), pushed: true };
}

/**
 * Where a Connect image goes: the cluster file's `image.repository`; with
 * `--push <registry>`, the same name under that registry; without either,
 * `kiln.local/<cluster>-<connect>` (only in out/oci until pushed).
 */
function connectRepository(cluster: Cluster, c: ConnectOf, push: string | undefined): string {
  const own = c.image?.repository;
  if (push) return `${push}/${own ? (own.split("/").pop() as string) : `${cluster.name}-${c.name}`}`;
  return own ?? `${LOCAL_REGISTRY}/${cluster.name}-${c.name}`;
}

type ConnectOf = NonNullable<Cluster["connect"]>[number];

/** Why a base image cannot be used, or undefined when it can. */
async function baseUnreachable(client: RegistryClient, base: string): Promise<string | undefined> {
  try {
    return (await headManifest(client, parseReference(base))) ? undefined : "not found";
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}

/** Writes a CycloneDX SBOM for an image to out/sbom/, and attaches it to the pushed image as a referrer. */
async function writeSbom(
  run: BuildRun,
  name: string,
  image: { repository: string; reference: string; digest: string; pushed: boolean; artifact: Artifact },
  layers: PluginLayer[],
  root?: string,
): Promise<string> {
  const sbom = await generateSbom({
    image: { name: image.repository, digest: image.digest as `sha256:${string}` },
    plugins: layers,
    epoch: run.recipe.epoch,
    ...(root !== undefined ? { root } : {}),
  });
  const data = Buffer.from(`${JSON.stringify(sbom, null, 2)}\n`);
  const file = join(run.out, "sbom", `${name}.cdx.json`);
  await mkdir(join(run.out, "sbom"), { recursive: true });
  await writeFile(file, data);
  if (image.pushed)
    await attachSbom(run.p.client, parseReference(image.reference), image.artifact, {
      data,
      title: `${name}.cdx.json`,
    });
  return file;
}

/**
 * A Connect cluster with no image of its own mounts its plugins as image volumes (Strimzi
 * `spec.plugins`) onto its base, which is then the image it runs: never the repository of an
 * image nothing built.
 */
export function withPluginVolumes(
  cluster: Cluster,
  c: ConnectOf,
  pluginRefs: ReadonlyMap<string, string>,
): ConnectOf {
  const { repository: _built, pinned: _pinned, ...image } = c.image ?? {};
  return {
    ...c,
    image: { ...image, base: c.image?.base ?? strimziKafkaImage(cluster.kafka.version) },
    plugins: [],
    pluginImages: [
      ...(c.pluginImages ?? []),
      ...(c.plugins ?? []).map((n) => ({ name: n, reference: pluginRefs.get(n) as string })),
    ],
  };
}

/** validate: the catalog and every Cluster file; every finding goes to the hooks. */
async function validate(req: BuildRequest, ctx: RunContext, hooks: BuildHooks) {
  hooks.onStep?.("validate");
  const result = await readCatalog(resolve(ctx.cwd, req.catalog), { cwd: ctx.cwd });
  const read = await readClusterFiles(req.paths, ctx.cwd);
  const diagnostics = [...result.diagnostics, ...read.diagnostics];
  for (const d of diagnostics) hooks.onFinding?.(d);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0 || !result.catalog)
    throw new BuildStopped(`${errors} validation error${errors === 1 ? "" : "s"}`);
  return { catalog: result.catalog, clusters: read.clusters };
}

/** lock check: the lock pins exactly what the catalog declares. */
async function lockCheck(
  req: BuildRequest,
  ctx: RunContext,
  hooks: BuildHooks,
  catalog: Awaited<ReturnType<typeof validate>>["catalog"],
) {
  hooks.onStep?.("lock check");
  const lockfile = await readLockfile(req.lockfile, ctx.cwd);
  if (!lockfile) throw new BuildStopped("no kiln.lock.json; run kiln lock and commit it");
  const check = checkLock(
    catalog.entries.map((e) => e.entry),
    lockfile.lock,
    lockfile.text,
  );
  if (!check.ok) {
    for (const p of check.problems) hooks.onFinding?.(p);
    throw new BuildStopped("the lock does not match the catalog (run kiln lock and commit the result)");
  }
  return lockfile.lock;
}

/**
 * The main job: validate → lock check → resolve → bake → render, returning the summary (also
 * written to out/build.json and out/build-summary.md). Every plugin becomes its own OCI image
 * (for Strimzi's `spec.plugins` image mounts); a Connect cluster whose base image is reachable
 * also gets a full Connect image. Everything lands in an OCI layout under `out/` and, with
 * `push`, in that registry. Manifests reference what was built.
 */
export async function build(
  req: BuildRequest,
  ctx: RunContext,
  hooks: BuildHooks = {},
): Promise<BuildSummary> {
  const out = resolve(ctx.cwd, req.out);
  const { catalog, clusters } = await validate(req, ctx, hooks);
  const lock = await lockCheck(req, ctx, hooks, catalog);

  const wanted = [
    ...new Set(clusters.flatMap((c) => (c.cluster.connect ?? []).flatMap((k) => k.plugins ?? []))),
  ].sort();
  hooks.onStep?.(`resolve ${wanted.length} plugin${wanted.length === 1 ? "" : "s"}`);
  const plugins = new Map(
    (
      await pluginSources(catalog, lock, wanted, {
        env: ctx.env,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      })
    ).map((p) => [p.name, p]),
  );

  const recipe = recipeFromEnv(ctx.env);
  const client = await registryClient(req, ctx);
  await mkdir(out, { recursive: true });
  const summary: BuildSummary = {
    catalog: { entries: catalog.entries.length },
    images: [],
    connects: [],
    skipped: [],
    sboms: [],
    manifests: [],
  };
  const p: Publisher = {
    client,
    layout: join(out, "oci"),
    ...(req.push ? { push: req.push.replace(/\/$/, "") } : {}),
    ...(hooks.onPush ? { onPush: hooks.onPush } : {}),
  };
  const run: BuildRun = {
    p,
    plugins,
    store: imageStore(ctx.env),
    recipe,
    summary,
    cwd: ctx.cwd,
    out,
    revision: ctx.env.GITHUB_SHA,
  };
  try {
    hooks.onStep?.("bake plugin images");
    const pluginRefs = await bakePluginImages(run, wanted);
    hooks.onStep?.("bake Connect images");
    const connectImages = await bakeConnectImages(run, clusters);
    hooks.onStep?.("render manifests");
    await renderAll(clusters, connectImages, pluginRefs, summary, req, out);
  } finally {
    await client.close();
  }
  await writeFile(join(out, "build.json"), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(out, "build-summary.md"), buildMarkdown(summary));
  return summary;
}

/** What the bake steps of one build share. */
interface BuildRun {
  p: Publisher;
  plugins: Map<string, PluginSource>;
  store: BlobStore;
  recipe: LayerRecipe;
  summary: BuildSummary;
  cwd: string;
  out: string;
  revision: string | undefined;
}

/** bake plugin images: one image per plugin, for image-volume mounts. Returns each plugin's pinned reference. */
async function bakePluginImages(run: BuildRun, wanted: string[]): Promise<Map<string, string>> {
  const { p, summary } = run;
  const refs = new Map<string, string>();
  for (const name of wanted) {
    const source = run.plugins.get(name) as PluginSource;
    const { layer, artifact } = await pluginArtifact(source, run.store, run.recipe);
    const repository = `${p.push ?? LOCAL_REGISTRY}/plugins/${name}`;
    const { reference, pushed } = await pin(p, artifact, repository, source.version.replace(/[^\w.-]/g, "_"));
    const digest = descriptorOf(artifact).digest;
    refs.set(name, reference);
    summary.images.push({ kind: "plugin", plugin: name, reference, digest, pushed });
    const image = { repository, reference, digest, pushed, artifact };
    const sbom = await writeSbom(run, `plugin-${name}`, image, [layer], "");
    summary.sboms.push(relative(run.cwd, sbom));
  }
  return refs;
}

/** bake Connect images: one per Connect cluster whose base image is reachable. Returns them by cluster file. */
async function bakeConnectImages(
  run: BuildRun,
  clusters: ClusterFile[],
): Promise<Map<string, Record<string, string>>> {
  const { p, summary } = run;
  const byFile = new Map<string, Record<string, string>>();
  for (const { file, cluster } of clusters) {
    const images: Record<string, string> = {};
    for (const c of cluster.connect ?? []) {
      const base = c.image?.base ?? strimziKafkaImage(cluster.kafka.version);
      const unreachable = await baseUnreachable(p.client, base);
      if (unreachable) {
        summary.skipped.push(
          `${cluster.name}/${c.name}: base image ${base} is not reachable (${unreachable}); its plugins ship as plugin images`,
        );
        continue;
      }
      const baked = await bake(p.client, run.store, {
        base,
        plugins: (c.plugins ?? []).map((n) => run.plugins.get(n) as PluginSource),
        recipe: run.recipe,
        ...(run.revision ? { revision: run.revision } : {}),
      });
      const digest = descriptorOf(baked.artifact).digest;
      const repository = connectRepository(cluster, c, p.push);
      const { reference, pushed } = await pin(p, baked.artifact, repository, `sha-${digest.slice(7, 19)}`);
      images[c.name] = reference;
      summary.images.push({
        kind: "connect",
        clusterFile: file,
        cluster: cluster.name,
        connect: c.name,
        reference,
        digest,
        pushed,
      });
      const image = { repository, reference, digest, pushed, artifact: baked.artifact };
      const sbom = await writeSbom(run, `${cluster.name}-${c.name}`, image, baked.plugins);
      summary.sboms.push(relative(run.cwd, sbom));
    }
    byFile.set(file, images);
  }
  return byFile;
}

/**
 * A cluster as built: each Connect cluster runs the image baked for it, pinned by digest, or
 * mounts its plugins as image volumes onto its base; one with no plugins runs as declared.
 */
export function asBuilt(
  cluster: Cluster,
  images: Record<string, string>,
  pluginRefs: ReadonlyMap<string, string>,
): Cluster {
  return {
    ...cluster,
    connect: (cluster.connect ?? []).map((c) => {
      const baked = images[c.name];
      if (baked) return { ...c, image: { ...c.image, pinned: baked } };
      return (c.plugins ?? []).length ? withPluginVolumes(cluster, c, pluginRefs) : c;
    }),
  };
}

/**
 * render manifests: each cluster as built, its peers the other clusters as built (so a peer's
 * Connect cluster renders with the image it gets here, not as a definition no image was passed for).
 */
async function renderAll(
  clusters: ClusterFile[],
  connectImages: Map<string, Record<string, string>>,
  pluginRefs: Map<string, string>,
  summary: BuildSummary,
  req: BuildRequest,
  out: string,
): Promise<void> {
  const built = clusters.map(({ file, cluster }) => ({
    file,
    images: connectImages.get(file) ?? {},
    cluster: asBuilt(cluster, connectImages.get(file) ?? {}, pluginRefs),
  }));
  for (const { file, images, cluster } of built) {
    for (const c of cluster.connect ?? [])
      summary.connects.push({
        cluster: cluster.name,
        connect: c.name,
        path: images[c.name] ? "baked" : (c.pluginImages ?? []).length ? "plugin-volumes" : "declared",
        image: c.image?.pinned ?? c.image?.base ?? strimziKafkaImage(cluster.kafka.version),
      });
    const peers = built.filter((b) => b.cluster !== cluster).map((b) => b.cluster);
    const rendered = await renderToDir(cluster, {
      file,
      out: join(out, "manifests", cluster.name),
      images,
      peers,
    });
    if (rendered.problems.length > 0)
      throw new KilnError(
        `the NetworkPolicies contradict the cluster's flows:\n  ${rendered.problems.join("\n  ")}`,
        {
          location: { file },
        },
      );
    summary.manifests.push({
      cluster: cluster.name,
      dir: join(req.out, "manifests", cluster.name),
      files: Object.keys(rendered.files).length,
    });
  }
}

/** How the summaries name each path. */
export const PATH_NAMES: Record<ConnectPath["path"], string> = {
  baked: "baked into its image",
  "plugin-volumes": "mounted as image volumes onto the base",
  declared: "none added (the image as declared)",
};

/** The summary as markdown, for CI's job summary (out/build-summary.md). */
export function buildMarkdown(s: BuildSummary): string {
  const lines = ["## kiln build", "", "| kind | name | reference | pushed |", "|---|---|---|---|"];
  for (const i of s.images)
    lines.push(
      `| ${i.kind} | ${i.plugin ?? `${i.cluster}/${i.connect}`} | \`${i.reference}\` | ${i.pushed ? "yes" : "no"} |`,
    );
  if (s.connects.length > 0) {
    lines.push("", "| Connect cluster | plugins | image |", "|---|---|---|");
    for (const c of s.connects)
      lines.push(`| ${c.cluster}/${c.connect} | ${PATH_NAMES[c.path]} | \`${c.image}\` |`);
  }
  if (s.skipped.length > 0) lines.push("", ...s.skipped.map((x) => `- ${x}`));
  return `${lines.join("\n")}\n`;
}
