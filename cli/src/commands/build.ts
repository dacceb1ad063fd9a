import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import {
  type Artifact,
  BlobStore,
  bake,
  buildPluginLayer,
  descriptorOf,
  dockerConfigCredentials,
  formatReference,
  generateSbom,
  headManifest,
  type LayerRecipe,
  MediaType,
  type PluginLayer,
  type PluginSource,
  parseReference,
  planPush,
  pluginImage,
  presentBlobs,
  pushArtifact,
  pushReferrer,
  RegistryClient,
  recipeFromEnv,
  writeLayout,
} from "@kiln/builder";
import {
  type Catalog,
  checkLock,
  defaultCacheDir,
  FileReadError,
  listSpecFiles,
  readCatalog,
  readSourceFile,
} from "@kiln/catalog";
import { connectivityProblems, RenderError, renderCluster, toFiles } from "@kiln/clusters";
import {
  type Cluster,
  type Diagnostic,
  formatDiagnostic,
  isKind,
  KilnError,
  parseSourceDocument,
  SpecError,
} from "@kiln/schemas";
import { loadClusterFile } from "../cluster-source.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { readLockfile } from "../lockfile.js";
import { formatTable } from "../table.js";
import { defaultBase, pushReporter, sources } from "./bake.js";
import { writeRendered } from "./render.js";

interface Options {
  catalog: string;
  lockfile?: string;
  out: string;
  push?: string;
  insecureRegistry?: string[];
  json?: boolean;
}

/** Where images are named when nothing is pushed: they exist only in out/oci until pushed. */
const LOCAL_REGISTRY = "kiln.local";

interface ClusterFile {
  file: string;
  cluster: Cluster;
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

export interface BuildSummary {
  catalog: { entries: number };
  images: BuiltImage[];
  skipped: string[];
  sboms: string[];
  manifests: Array<{ cluster: string; dir: string; files: number }>;
}

class BuildFailed extends KilnError {}

function step(io: CommandIO, what: string) {
  writeLine(io.stderr, `==> ${what}`);
}

async function clusterFiles(paths: string[], cwd: string, diagnostics: Diagnostic[]): Promise<ClusterFile[]> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new KilnError("no such file or directory", { location: { file: p } });
    files.push(...(info.isDirectory() ? await listSpecFiles(abs) : [abs]));
  }
  const out: ClusterFile[] = [];
  for (const abs of files) {
    // Only Cluster files: a directory may hold other kiln documents too. Every file is parsed to
    // know its kind; one that does not parse, or names no kind kiln knows, is reported.
    let kind: unknown;
    try {
      const source = await readSourceFile(abs, cwd);
      const value = parseSourceDocument(source.text, source.file).value;
      kind = value && typeof value === "object" ? (value as { kind?: unknown }).kind : undefined;
      if (!isKind(kind)) {
        diagnostics.push({
          severity: "error",
          code: "unknown-kind",
          message: `has ${kind === undefined ? "no `kind`" : typeof kind === "string" ? `kind ${JSON.stringify(kind.slice(0, 60))}, which kiln does not know` : "a `kind` that is not a name"}: kiln build reads Cluster files (other kiln documents are skipped)`,
          location: { file: source.file, path: "kind" },
        });
        continue;
      }
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else if (err instanceof FileReadError)
        diagnostics.push({
          severity: "error",
          code: "unreadable",
          message: err.userMessage,
          location: err.location ?? {},
        });
      else throw err;
      continue;
    }
    if (kind !== "Cluster") continue;
    const loaded = await loadClusterFile(abs, cwd);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.cluster) out.push({ file: loaded.file, cluster: loaded.cluster });
  }
  return out;
}

/** Pins a built artifact where it should live: pushed when a registry is given, always in out/oci. */
async function publish(
  io: CommandIO,
  ctx: { client: RegistryClient; layout: string; push?: string },
  artifact: Artifact,
  repository: string,
  tag: string,
): Promise<{ reference: string; pushed: boolean }> {
  const digest = descriptorOf(artifact).digest;
  await writeLayout(ctx.layout, artifact, { refName: `${repository}:${tag}` });
  if (!ctx.push) return { reference: `${repository}@${digest}`, pushed: false };
  const target = parseReference(`${repository}:${tag}`);
  const plan = await planPush(ctx.client, artifact, target);
  if (!plan.upToDate)
    await pushArtifact(ctx.client, artifact, target, {
      onEvent: pushReporter(io),
      present: presentBlobs(plan),
    });
  return { reference: formatReference({ ...target, tag: undefined, digest }), pushed: true };
}

/**
 * Where a Connect image goes: the cluster file's `image.repository`; with
 * `--push <registry>`, the same name under that registry; without either,
 * `kiln.local/<cluster>-<connect>` (only in out/oci until pushed).
 */
function connectRepository(
  cluster: Cluster,
  c: NonNullable<Cluster["connect"]>[number],
  push: string | undefined,
): string {
  const own = c.image?.repository;
  if (push) return `${push}/${own ? (own.split("/").pop() as string) : `${cluster.name}-${c.name}`}`;
  return own ?? `${LOCAL_REGISTRY}/${cluster.name}-${c.name}`;
}

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
  client: RegistryClient,
  out: string,
  name: string,
  image: { repository: string; reference: string; digest: string; pushed: boolean; artifact: Artifact },
  layers: PluginLayer[],
  recipe: LayerRecipe,
  root?: string,
): Promise<string> {
  const sbom = await generateSbom({
    image: { name: image.repository, digest: image.digest as `sha256:${string}` },
    plugins: layers,
    epoch: recipe.epoch,
    ...(root !== undefined ? { root } : {}),
  });
  const data = Buffer.from(`${JSON.stringify(sbom, null, 2)}\n`);
  const file = join(out, "sbom", `${name}.cdx.json`);
  await mkdir(join(out, "sbom"), { recursive: true });
  await writeFile(file, data);
  if (image.pushed) {
    await pushReferrer(client, parseReference(image.reference), descriptorOf(image.artifact), {
      artifactType: MediaType.CYCLONEDX,
      data,
      title: `${name}.cdx.json`,
    });
  }
  return file;
}

/**
 * The main job: validate → lock check → resolve → bake → render → summary.
 * Every plugin becomes its own OCI image (for Strimzi's `spec.plugins` image
 * mounts); a Connect cluster whose base image is reachable also gets a full
 * Connect image. Everything lands in an OCI layout under `out/` and, with
 * `--push <registry>`, in that registry. Manifests reference what was built.
 */
export async function run(io: CommandIO, paths: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const out = resolve(cwd, opts.out);
  try {
    const summary = await build(io, paths.length > 0 ? paths : ["examples"], opts, cwd, out);
    await writeFile(join(out, "build.json"), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(out, "build-summary.md"), markdown(summary));
    if (opts.json) writeLine(io.stdout, JSON.stringify(summary, null, 2));
    else printSummary(io, summary, out, cwd);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof BuildFailed) {
      writeLine(io.stderr, `kiln: build stopped: ${err.userMessage}`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}

async function build(
  io: CommandIO,
  paths: string[],
  opts: Options,
  cwd: string,
  out: string,
): Promise<BuildSummary> {
  step(io, "validate");
  const diagnostics: Diagnostic[] = [];
  const result = await readCatalog(resolve(cwd, opts.catalog), { cwd });
  diagnostics.push(...result.diagnostics);
  const clusters = await clusterFiles(paths, cwd, diagnostics);
  for (const d of diagnostics) writeLine(io.stderr, formatDiagnostic(d));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0 || !result.catalog)
    throw new BuildFailed(`${errors} validation error${errors === 1 ? "" : "s"}`);
  const catalog: Catalog = result.catalog;

  step(io, "lock check");
  const lockfile = await readLockfile(opts.lockfile, cwd);
  if (!lockfile) throw new BuildFailed("no kiln.lock.json; run kiln lock and commit it");
  const check = checkLock(
    catalog.entries.map((e) => e.entry),
    lockfile.lock,
    lockfile.text,
  );
  if (!check.ok) {
    for (const p of check.problems) writeLine(io.stderr, `  ${p}`);
    throw new BuildFailed("the lock does not match the catalog (run kiln lock and commit the result)");
  }

  const wanted = [
    ...new Set(clusters.flatMap((c) => (c.cluster.connect ?? []).flatMap((k) => k.plugins ?? []))),
  ].sort();
  step(io, `resolve ${wanted.length} plugin${wanted.length === 1 ? "" : "s"}`);
  const plugins = new Map(
    (
      await sources(
        io,
        wanted,
        { catalog: opts.catalog, ...(opts.lockfile ? { lockfile: opts.lockfile } : {}), out: opts.out },
        cwd,
      )
    ).map((p) => [p.name, p]),
  );

  const recipe: LayerRecipe = recipeFromEnv(io.env);
  const insecure = [
    ...(opts.insecureRegistry ?? []),
    ...(io.env.KILN_INSECURE_REGISTRIES?.split(",").filter(Boolean) ?? []),
  ];
  const client = new RegistryClient({
    insecure,
    credentials: dockerConfigCredentials(io.env),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const store = new BlobStore(join(defaultCacheDir(io.env), "images"));
  const layout = join(out, "oci");
  await mkdir(out, { recursive: true });
  const summary: BuildSummary = {
    catalog: { entries: catalog.entries.length },
    images: [],
    skipped: [],
    sboms: [],
    manifests: [],
  };
  const ctx = { client, layout, ...(opts.push ? { push: opts.push.replace(/\/$/, "") } : {}) };

  try {
    step(io, "bake plugin images");
    const pluginRefs = new Map<string, string>();
    const pluginLayers = new Map<string, PluginLayer>();
    for (const name of wanted) {
      const source = plugins.get(name) as PluginSource;
      const layer = await buildPluginLayer(source, { store, recipe, root: "" });
      pluginLayers.set(name, layer);
      const artifact = pluginImage({
        name,
        version: source.version,
        layer: layer.layer,
        epoch: recipe.epoch,
      });
      const repository = `${ctx.push ?? LOCAL_REGISTRY}/plugins/${name}`;
      const { reference, pushed } = await publish(
        io,
        ctx,
        artifact,
        repository,
        source.version.replace(/[^\w.-]/g, "_"),
      );
      const digest = descriptorOf(artifact).digest;
      pluginRefs.set(name, reference);
      summary.images.push({ kind: "plugin", plugin: name, reference, digest, pushed });
      const sbom = await writeSbom(
        client,
        out,
        `plugin-${name}`,
        { repository, reference, digest, pushed, artifact },
        [layer],
        recipe,
        "",
      );
      summary.sboms.push(relative(cwd, sbom));
    }

    step(io, "bake Connect images");
    const connectImages = new Map<string, Record<string, string>>();
    for (const { file, cluster } of clusters) {
      const images: Record<string, string> = {};
      for (const c of cluster.connect ?? []) {
        const names = c.plugins ?? [];
        const base = c.image?.base ?? defaultBase(cluster.kafka.version);
        const unreachable = await baseUnreachable(client, base);
        if (unreachable) {
          summary.skipped.push(
            `${cluster.name}/${c.name}: base image ${base} is not reachable (${unreachable}); its plugins ship as plugin images`,
          );
          continue;
        }
        const baked = await bake(client, store, {
          base,
          plugins: names.map((n) => plugins.get(n) as PluginSource),
          recipe,
          ...(io.env.GITHUB_SHA ? { revision: io.env.GITHUB_SHA } : {}),
        });
        const digest = descriptorOf(baked.artifact).digest;
        const repository = connectRepository(cluster, c, ctx.push);
        const { reference, pushed } = await publish(
          io,
          ctx,
          baked.artifact,
          repository,
          `sha-${digest.slice(7, 19)}`,
        );
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
        const sbom = await writeSbom(
          client,
          out,
          `${cluster.name}-${c.name}`,
          { repository, reference, digest, pushed, artifact: baked.artifact },
          baked.plugins,
          recipe,
        );
        summary.sboms.push(relative(cwd, sbom));
      }
      connectImages.set(file, images);
    }

    step(io, "render manifests");
    for (const { file, cluster } of clusters) {
      const images = connectImages.get(file) ?? {};
      // A Connect cluster without a full image mounts its plugins as images (Strimzi 1.x
      // spec.plugins) onto its base image: the plugins are no longer baked into an image.
      const withPlugins: Cluster = {
        ...cluster,
        connect: (cluster.connect ?? []).map((c) =>
          images[c.name] || !(c.plugins ?? []).length
            ? c
            : {
                ...c,
                plugins: [],
                pluginImages: [
                  ...(c.pluginImages ?? []),
                  ...(c.plugins ?? []).map((n) => ({ name: n, reference: pluginRefs.get(n) as string })),
                ],
              },
        ),
      };
      const peers = clusters.map((c) => c.cluster).filter((c) => c !== cluster);
      const rendered = (() => {
        try {
          return renderCluster(withPlugins, { images, peers });
        } catch (err) {
          if (err instanceof RenderError)
            throw new KilnError(err.message, { location: { file }, cause: err });
          throw err;
        }
      })();
      const problems = connectivityProblems(rendered.connectivity);
      if (problems.length > 0)
        throw new KilnError(
          `the NetworkPolicies contradict the cluster's flows:\n  ${problems.join("\n  ")}`,
          {
            location: { file },
          },
        );
      const files = toFiles(rendered);
      const dir = join(out, "manifests", cluster.name);
      await writeRendered(dir, files);
      summary.manifests.push({
        cluster: cluster.name,
        dir: join(opts.out, "manifests", cluster.name),
        files: Object.keys(files).length,
      });
    }
  } finally {
    await client.close();
  }
  return summary;
}

function markdown(s: BuildSummary): string {
  const lines = ["## kiln build", "", "| kind | name | reference | pushed |", "|---|---|---|---|"];
  for (const i of s.images)
    lines.push(
      `| ${i.kind} | ${i.plugin ?? `${i.cluster}/${i.connect}`} | \`${i.reference}\` | ${i.pushed ? "yes" : "no"} |`,
    );
  if (s.skipped.length > 0) lines.push("", ...s.skipped.map((x) => `- ${x}`));
  return `${lines.join("\n")}\n`;
}

function printSummary(io: CommandIO, s: BuildSummary, out: string, cwd: string) {
  writeLine(io.stdout, `catalog: ${s.catalog.entries} entries valid; lock matches`);
  writeLine(io.stdout, "");
  writeLine(
    io.stdout,
    formatTable(
      ["kind", "name", "reference"],
      s.images.map((i) => [i.kind, i.plugin ?? `${i.cluster}/${i.connect}`, i.reference]),
    ),
  );
  for (const x of s.skipped) writeLine(io.stdout, `note: ${x}`);
  writeLine(io.stdout, "");
  writeLine(io.stdout, `OCI layout: ${relative(cwd, join(out, "oci"))}`);
  if (s.sboms.length > 0) writeLine(io.stdout, `SBOMs:      ${s.sboms.join(", ")}`);
  for (const m of s.manifests)
    writeLine(io.stdout, `manifests:  ${m.dir} (${m.files} files, cluster ${m.cluster})`);
}
