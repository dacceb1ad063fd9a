import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type BakeResult,
  BlobPresence,
  type BlobStore,
  bake,
  type Digest,
  eagerUpload,
  FileDigestCache,
  formatReference,
  generateSbom,
  type LayerRecipe,
  type Platform,
  type PluginSource,
  type PushEvent,
  type PushPlan,
  parseReference,
  planPush,
  pushArtifact,
  type Reference,
  type ReferrerResult,
  type RegistryClient,
  recipeFromEnv,
  resolveFiles,
  singleImage,
  writeDockerArchive,
  writeLayout,
} from "@kiln/builder";
import type { ProgressEvent } from "@kiln/catalog";
import type { Cluster } from "@kiln/schemas";
import { KilnError, OptionError, strimziKafkaImage } from "@kiln/schemas/core";
import type { RunContext } from "./context.js";
import { pluginArtifact } from "./plugin-image.js";
import { type PublishOptions, publish, type Sbom } from "./publish.js";
import { imageStore, type RegistryOptions, registryClient } from "./registry.js";

/** Where a baked image goes besides a registry. */
export type BakeOutput =
  | { kind: "oci"; dir: string }
  | { kind: "docker-archive"; file: string }
  | { kind: "docker" }
  | { kind: "docker-build" };

export interface BakeRequest extends RegistryOptions {
  /** A Cluster file: each of its Connect clusters is baked (or only `connect`). Without it, `base` and the plugins. */
  file?: string;
  connect?: string;
  base?: string;
  /** Catalog entries to bake (added to the file's). */
  plugin?: string[];
  /** Local plugin directories by plugin name, baked as given (`--plugin-dir`). */
  pluginDirs?: Map<string, string>;
  /** A reference, or `true` for each Connect cluster's own `image.repository`. */
  push?: string | boolean;
  outputs?: BakeOutput[];
  platforms?: Platform[];
  /** Stop at the push plan: nothing is written or pushed. */
  plan?: boolean;
  /** Also push each plugin as an image of its own under this repository prefix. */
  pluginImages?: string;
  layout?: "plain" | "strimzi";
  compression?: "gzip" | "zstd";
  level?: number;
  catalog: string;
  lockfile?: string;
  out: string;
  source?: string;
  revision?: string;
}

export interface BakeHooks {
  onProgress?: (e: ProgressEvent) => void;
  onPush?: (e: PushEvent) => void;
  /** Each plugin layer once it is made or found in the cache. */
  onLayer?: (layer: { name: string; version: string; cached: boolean; size: number }) => void;
}

/** What happened to one Connect cluster's image. */
export interface BakeReport {
  connect: string;
  digest: string;
  base: string;
  plugins: Array<{ name: string; version: string; layer: string; cached: boolean }>;
  /** With `plan`: what a push would do. */
  plan?:
    | (PushPlan & { target: string })
    | { digest: string; upToDate: false; uploadBytes: null; note: string };
  sbom?: string;
  push?:
    | { reference: string; uploadedBytes: 0; upToDate: true }
    | {
        reference: string;
        uploadedBytes: number;
        blobs: { uploaded: number; mounted: number; existing: number };
        sbom: ReferrerResult;
      };
  pluginImages?: string[];
  outputs?: string[];
}

interface Job {
  name: string;
  base: string;
  plugins: string[];
  repository?: string;
}

/** What to bake: each Connect cluster of a Cluster file (or one, with `connect`), or the request alone. */
async function jobs(req: BakeRequest, cwd: string): Promise<Job[]> {
  const { file } = req;
  if (!file) {
    if (!req.base) throw new OptionError("give a Cluster file, or --base and --plugin/--plugin-dir");
    const names = [...(req.plugin ?? []), ...(req.pluginDirs?.keys() ?? [])];
    return [{ name: "connect", base: req.base, plugins: [...new Set(names)] }];
  }
  // The YAML parser and the validators load only when there is a Cluster file to read.
  const [{ readSourceFile }, { loadSpec }] = await Promise.all([
    import("@kiln/catalog/files"),
    import("@kiln/schemas"),
  ]);
  const source = await readSourceFile(resolve(cwd, file), cwd);
  const spec = loadSpec(source.text, source.file);
  if (spec.kind !== "Cluster") throw new OptionError(`${file} is a ${spec.kind}, not a Cluster`);
  const cluster = spec.value as Cluster;
  const connects = (cluster.connect ?? []).filter((c) => !req.connect || c.name === req.connect);
  if (connects.length === 0)
    throw new KilnError(
      req.connect
        ? `${file} has no Connect cluster named ${req.connect}`
        : `${file} defines no Connect cluster`,
      { location: { file } },
    );
  return connects.map((c) => ({
    name: c.name,
    base: req.base ?? c.image?.base ?? strimziKafkaImage(cluster.kafka.version),
    plugins: [...new Set([...(c.plugins ?? []), ...(req.plugin ?? [])])],
    ...(c.image?.repository ? { repository: c.image.repository } : {}),
  }));
}

/** Plugin sources: local directories as given, the rest resolved from the catalog and the lock. */
async function sourcesOf(req: BakeRequest, names: string[], ctx: RunContext, hooks: BakeHooks) {
  const local: PluginSource[] = [];
  for (const n of names) {
    const dir = req.pluginDirs?.get(n);
    if (dir) local.push({ name: n, version: "local", dir });
  }
  const fromCatalog = names.filter((n) => !req.pluginDirs?.has(n));
  if (fromCatalog.length === 0) return local;
  // The catalog, its parser and the resolvers (HTTP, archives, GitHub) load only when plugins
  // come from the catalog.
  const [{ requireCatalog }, { requireLockfile }, { pluginSources }] = await Promise.all([
    import("./catalog.js"),
    import("./lockfile.js"),
    import("./plugin-sources.js"),
  ]);
  const catalog = await requireCatalog(req.catalog, ctx.cwd);
  const lock = await requireLockfile(req.lockfile, ctx.cwd);
  const resolved = await pluginSources(catalog, lock, fromCatalog, {
    env: ctx.env,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    layout: req.layout === "strimzi" ? "strimzi" : "plugin",
  });
  return [...local, ...resolved];
}

const defaultTag = (result: BakeResult) => `sha-${result.artifact.digest.slice(7, 19)}`;

/** Where the image is pushed: the given reference, or the Connect cluster's repository tagged by digest. */
function pushTargetOf(req: BakeRequest, job: Job, result: BakeResult): string | undefined {
  if (typeof req.push === "string") return req.push;
  if (!req.push) return undefined;
  if (!job.repository)
    throw new OptionError(
      `--push needs a reference: the Connect cluster ${job.name} sets no image.repository`,
    );
  return `${job.repository}:${defaultTag(result)}`;
}

/**
 * `kiln bake`: plugins from the lock (or local directories) baked onto a base image for each
 * Connect cluster, then planned, pushed with the SBOM as a referrer, written or loaded.
 */
export async function bakeImages(
  req: BakeRequest,
  ctx: RunContext,
  hooks: BakeHooks = {},
): Promise<BakeReport[]> {
  const recipe = recipeFromEnv(ctx.env, {
    ...(req.compression ? { compression: req.compression } : {}),
    ...(req.level !== undefined ? { level: req.level } : {}),
  });
  const client = await registryClient(req, ctx);
  const store = imageStore(ctx.env);
  const bakery: Bakery = {
    req,
    ctx,
    hooks,
    client,
    store,
    recipe,
    // Local plugin files are read once per change, not once per run.
    digests: FileDigestCache.of(store),
    outDir: resolve(ctx.cwd, req.out),
    source:
      req.source ??
      (ctx.env.GITHUB_SERVER_URL && ctx.env.GITHUB_REPOSITORY
        ? `${ctx.env.GITHUB_SERVER_URL}/${ctx.env.GITHUB_REPOSITORY}`
        : undefined),
    revision: req.revision ?? ctx.env.GITHUB_SHA,
    keepLocal: true,
  };
  const reports: BakeReport[] = [];
  try {
    const all = await jobs(req, ctx.cwd);
    // One image pushed and nothing written reads no layer's bytes back: a layer the registry
    // took is then not cached as well (a later run that needs its bytes makes it again).
    bakery.keepLocal = (req.outputs ?? []).length > 0 || all.length > 1;
    for (const job of all) reports.push(await bakeJob(bakery, job));
  } finally {
    await client.close();
  }
  return reports;
}

/** What every job of one bake shares. */
interface Bakery {
  req: BakeRequest;
  ctx: RunContext;
  hooks: BakeHooks;
  client: RegistryClient;
  store: BlobStore;
  recipe: LayerRecipe;
  digests: FileDigestCache;
  outDir: string;
  /** Provenance labels: the repository and revision the image was baked from. */
  source: string | undefined;
  revision: string | undefined;
  /** Whether layers streamed to the push target are also written to the layer cache. */
  keepLocal: boolean;
}

/** One Connect cluster's image: baked, then only planned, or given its SBOM, pushed and written. */
async function bakeJob(b: Bakery, job: Job): Promise<BakeReport> {
  const plugins = await sourcesOf(b.req, job.plugins, b.ctx, b.hooks);
  // Blob checks and uploads need only the repository, so they start while layers are made.
  const repository = pushRepositoryOf(b.req, job);
  const target = repository && { repository, presence: new BlobPresence(b.client, repository) };
  const result = await bakeImage(b, job, plugins, target);
  const report: BakeReport = {
    connect: job.name,
    digest: result.artifact.digest,
    base: formatReference(result.base.reference),
    plugins: result.plugins.map((p) => ({
      name: p.plugin.name,
      version: p.plugin.version,
      layer: p.layer.descriptor.digest,
      cached: p.cached,
    })),
  };
  const pushTarget = pushTargetOf(b.req, job, result);
  if (b.req.plan) {
    report.plan = await planOf(b.client, result, pushTarget, target?.presence);
    return report;
  }
  const sbom = await writeSbom(b, job, result, pushTarget);
  report.sbom = sbom.file;
  const done: string[] = [];
  if (pushTarget) {
    const { reference, ...pushed } = await pushJob(
      b,
      job,
      result,
      plugins,
      parseReference(pushTarget),
      sbom.data,
      target?.presence,
    );
    Object.assign(report, pushed);
    done.push(reference);
  }
  done.push(...(await writeOutputs(b, job, result, plugins, pushTarget)));
  report.outputs = done;
  return report;
}

/** The repository a push (or its plan) goes to, known before the tag is. */
function pushRepositoryOf(req: BakeRequest, job: Job): Reference | undefined {
  const ref = typeof req.push === "string" ? req.push : req.push ? job.repository : undefined;
  return ref === undefined ? undefined : parseReference(ref);
}

/**
 * The plugin layers onto the base. With a push target, the target is asked for each layer
 * as soon as it is known, and fresh layers stream there as they are made.
 */
async function bakeImage(
  b: Bakery,
  job: Job,
  plugins: PluginSource[],
  target: { repository: Reference; presence: BlobPresence } | undefined,
): Promise<BakeResult> {
  const { req, client, store } = b;
  const result = await bake(client, store, {
    ...(target && !req.plan ? { eager: eagerUpload(client, target.repository, target.presence) } : {}),
    ...(b.keepLocal ? {} : { keepLocal: false }),
    ...(target ? { onLayers: (digests: Digest[]) => target.presence.prefetch(digests) } : {}),
    base: job.base,
    plugins,
    recipe: b.recipe,
    digests: b.digests,
    ...(req.platforms ? { platforms: req.platforms } : {}),
    ...(req.layout === "strimzi" && plugins.every((p) => p.version === "local")
      ? { layout: "strimzi" as const }
      : {}),
    ...(b.source ? { source: b.source } : {}),
    ...(b.revision ? { revision: b.revision } : {}),
  });
  for (const p of result.plugins)
    b.hooks.onLayer?.({
      name: p.plugin.name,
      version: p.plugin.version,
      cached: p.cached,
      size: p.layer.descriptor.size,
    });
  return result;
}

/** `--plan`: what a push would do, or a note that there is nothing to compare with. */
async function planOf(
  client: RegistryClient,
  result: BakeResult,
  pushTarget: string | undefined,
  presence: BlobPresence | undefined,
): Promise<BakeReport["plan"]> {
  return pushTarget
    ? {
        ...(await planPush(client, result.artifact, parseReference(pushTarget), presence)),
        target: pushTarget,
      }
    : {
        digest: result.artifact.digest,
        upToDate: false,
        uploadBytes: null,
        note: "no --push target: nothing to compare",
      };
}

/** The image's SBOM (CycloneDX), written to `<out>/<connect>.cdx.json`. */
async function writeSbom(
  b: Bakery,
  job: Job,
  result: BakeResult,
  pushTarget: string | undefined,
): Promise<{ file: string; data: Buffer }> {
  const sbom = await generateSbom({
    image: { name: pushTarget ?? job.name, digest: result.artifact.digest },
    plugins: result.plugins,
    epoch: b.recipe.epoch,
  });
  const data = Buffer.from(`${JSON.stringify(sbom, null, 2)}\n`);
  await mkdir(b.outDir, { recursive: true });
  const file = join(b.outDir, `${job.name}.cdx.json`);
  await writeFile(file, data);
  return { file, data };
}

/** Pushes the image with its SBOM (and, with `--plugin-images`, each plugin); `reference` names the pushed image. */
async function pushJob(
  b: Bakery,
  job: Job,
  result: BakeResult,
  plugins: PluginSource[],
  target: Reference,
  sbom: Buffer,
  presence: BlobPresence | undefined,
): Promise<Pick<BakeReport, "push" | "pluginImages"> & { reference: string }> {
  const push = await pushBaked(b.client, result, target, {
    sbom: {
      data: sbom,
      title: `${job.name}.cdx.json`,
      created: result.labels["org.opencontainers.image.created"] as string,
    },
    ...(b.hooks.onPush ? { onEvent: b.hooks.onPush } : {}),
    ...(presence ? { presence } : {}),
  });
  const pluginImages = b.req.pluginImages
    ? await pushPluginImages(b.client, plugins, b.req.pluginImages, b.store, b.recipe, b.req.platforms)
    : undefined;
  return {
    push,
    ...(pluginImages ? { pluginImages } : {}),
    reference: formatReference({ ...target, digest: result.artifact.digest }),
  };
}

/** The requested outputs; with none and no push, an OCI layout under out/. */
async function writeOutputs(
  b: Bakery,
  job: Job,
  result: BakeResult,
  plugins: PluginSource[],
  pushTarget: string | undefined,
): Promise<string[]> {
  const written = {
    result,
    plugins,
    tag: pushTarget ?? `kiln/${job.name}:${defaultTag(result)}`,
    epoch: b.recipe.epoch,
    platform: b.req.platforms?.[0],
    env: b.ctx.env,
    digests: b.digests,
  };
  const done: string[] = [];
  for (const o of b.req.outputs ?? []) done.push(await writeOutput(o, written));
  // Nothing asked for: the image goes to an OCI layout under out/.
  if (!pushTarget && (b.req.outputs ?? []).length === 0)
    done.push(await writeOutput({ kind: "oci", dir: join(b.outDir, "oci") }, written));
  return done;
}

/** push: the image unless its tag already names it, with its SBOM as a referrer. */
async function pushBaked(
  client: RegistryClient,
  result: BakeResult,
  target: Reference,
  opts: PublishOptions & { sbom: Sbom },
): Promise<BakeReport["push"]> {
  const pushed = await publish(client, result.artifact, target, opts);
  if (pushed.upToDate)
    return {
      reference: formatReference({ ...target, digest: result.artifact.digest }),
      uploadedBytes: 0,
      upToDate: true,
    };
  // Layers streamed to the registry while they were made count as uploaded too.
  const eagerBytes = result.plugins
    .filter((p) => p.eagerUploaded)
    .reduce((n, p) => n + p.layer.descriptor.size, 0);
  return {
    reference: pushed.reference,
    uploadedBytes: pushed.uploadedBytes + eagerBytes,
    blobs: pushed.blobs,
    sbom: pushed.sbom,
  };
}

/** `--plugin-images <prefix>`: each plugin also pushed as an image of its own, `<prefix>/<name>:<version>`. */
async function pushPluginImages(
  client: RegistryClient,
  plugins: PluginSource[],
  prefix: string,
  store: BlobStore,
  recipe: LayerRecipe,
  platforms: Platform[] | undefined,
): Promise<string[]> {
  const images: string[] = [];
  for (const p of plugins) {
    const { artifact } = await pluginArtifact(p, store, recipe, platforms);
    const ref = parseReference(`${prefix.replace(/\/$/, "")}/${p.name}:${p.version}`);
    images.push((await pushArtifact(client, artifact, ref)).reference);
  }
  return images;
}

/** Writes a baked image to one output; returns how the report names it. */
async function writeOutput(
  o: BakeOutput,
  image: {
    result: BakeResult;
    plugins: PluginSource[];
    tag: string;
    epoch: number;
    platform: Platform | undefined;
    env: NodeJS.ProcessEnv;
    digests: FileDigestCache;
  },
): Promise<string> {
  const { result, plugins, tag, platform, env } = image;
  switch (o.kind) {
    case "oci":
      await writeLayout(o.dir, result.artifact, { refName: tag });
      return `oci:${o.dir}`;
    case "docker-archive":
      await writeDockerArchive(o.file, singleImage(result.artifact, platform), [tag]);
      return `docker-archive:${o.file}`;
    case "docker": {
      // dockerode (and ssh2) load only for the outputs that talk to a Docker engine.
      const { dockerClient, loadIntoEngine } = await import("@kiln/builder/docker");
      await loadIntoEngine(dockerClient(env.DOCKER_HOST), singleImage(result.artifact, platform), tag);
      return `docker:${tag}`;
    }
    case "docker-build": {
      const { buildInEngine, dockerClient } = await import("@kiln/builder/docker");
      const resolved = await Promise.all(
        plugins.map(async (p) => ({
          name: p.name,
          files: await resolveFiles(p, { digests: image.digests }),
        })),
      );
      await buildInEngine(dockerClient(env.DOCKER_HOST), {
        base: formatReference(result.base.reference),
        plugins: resolved,
        labels: result.labels,
        tag,
        epoch: image.epoch,
      });
      return `docker-build:${tag}`;
    }
  }
}
