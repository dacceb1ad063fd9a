import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import {
  type BakeResult,
  BlobStore,
  bake,
  buildInEngine,
  buildPluginLayer,
  descriptorOf,
  dockerClient,
  dockerConfigCredentials,
  eagerUpload,
  formatReference,
  generateSbom,
  loadIntoEngine,
  MediaType,
  type Platform,
  type PluginSource,
  type PushEvent,
  parsePlatform,
  parseReference,
  planPush,
  pluginImage,
  presentBlobs,
  pushArtifact,
  pushReferrer,
  RegistryClient,
  recipeFromEnv,
  resolveFiles,
  singleImage,
  writeDockerArchive,
  writeLayout,
} from "@kiln/builder";
import {
  defaultCacheDir,
  type Layout,
  type Lockfile,
  readSourceFile,
  readTextFile,
  resolvePlugins,
} from "@kiln/catalog";
import { STRIMZI_VERSION } from "@kiln/clusters/versions";
import { type Cluster, KilnError, loadSpec } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { requireLockfile } from "../lockfile.js";
import { progressReporter } from "../progress.js";

interface Options {
  connect?: string;
  base?: string;
  plugin?: string[];
  pluginDir?: string[];
  push?: string | boolean;
  output?: string[];
  platform?: string[];
  plan?: boolean;
  pluginImages?: string;
  layout?: "plain" | "strimzi";
  compression?: "gzip" | "zstd";
  level?: string;
  insecureRegistry?: string[];
  registryCa?: string;
  catalog: string;
  lockfile?: string;
  out: string;
  source?: string;
  revision?: string;
  json?: boolean;
}

/** Strimzi's own Kafka image for a Kafka version: the default base. */
export function defaultBase(kafkaVersion: string): string {
  return `quay.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${kafkaVersion}`;
}

type Output =
  | { kind: "oci"; dir: string }
  | { kind: "docker-archive"; file: string }
  | { kind: "docker" }
  | { kind: "docker-build" };

export function parseOutput(spec: string, cwd: string): Output {
  if (spec === "docker") return { kind: "docker" };
  if (spec === "docker-build") return { kind: "docker-build" };
  const i = spec.indexOf(":");
  const kind = spec.slice(0, i);
  const path = spec.slice(i + 1);
  if (i > 0 && path && kind === "oci") return { kind: "oci", dir: resolve(cwd, path) };
  if (i > 0 && path && kind === "docker-archive") return { kind: "docker-archive", file: resolve(cwd, path) };
  throw new UsageError(
    `--output must be oci:<dir>, docker-archive:<file>, docker or docker-build; got "${spec}"`,
  );
}

interface Job {
  name: string;
  base: string;
  plugins: string[];
  repository?: string;
}

/** What to bake: each Connect cluster of a Cluster file (or one, with --connect), or the flags alone. */
async function jobs(file: string | undefined, opts: Options, cwd: string): Promise<Job[]> {
  if (!file) {
    if (!opts.base) throw new UsageError("give a Cluster file, or --base and --plugin/--plugin-dir");
    const names = [...(opts.plugin ?? []), ...(opts.pluginDir ?? []).map((s) => s.split("=")[0] as string)];
    return [{ name: "connect", base: opts.base, plugins: [...new Set(names)] }];
  }
  const source = await readSourceFile(resolve(cwd, file), cwd);
  const spec = loadSpec(source.text, source.file);
  if (spec.kind !== "Cluster") throw new UsageError(`${file} is a ${spec.kind}, not a Cluster`);
  const cluster = spec.value as Cluster;
  const connects = (cluster.connect ?? []).filter((c) => !opts.connect || c.name === opts.connect);
  if (connects.length === 0)
    throw new KilnError(
      opts.connect
        ? `${file} has no Connect cluster named ${opts.connect}`
        : `${file} defines no Connect cluster`,
      {
        location: { file },
      },
    );
  return connects.map((c) => ({
    name: c.name,
    base: opts.base ?? c.image?.base ?? defaultBase(cluster.kafka.version),
    plugins: [...new Set([...(c.plugins ?? []), ...(opts.plugin ?? [])])],
    ...(c.image?.repository ? { repository: c.image.repository } : {}),
  }));
}

async function pluginDirs(opts: Options, cwd: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of opts.pluginDir ?? []) {
    const i = s.indexOf("=");
    const name = s.slice(0, i);
    if (i <= 0 || i === s.length - 1 || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
      throw new UsageError(`--plugin-dir takes <plugin name>=<directory>, got "${s}"`);
    const dir = resolve(cwd, s.slice(i + 1));
    if (!(await stat(dir).catch(() => undefined))?.isDirectory())
      throw new UsageError(`--plugin-dir ${name}=${s.slice(i + 1)}: no such directory`);
    if (out.has(name)) throw new UsageError(`--plugin-dir ${name} is given twice`);
    out.set(name, dir);
  }
  return out;
}

/** The `--registry-ca` bundle: a PEM file of certificates, checked so a wrong file is named as such. */
async function readRegistryCa(file: string, cwd: string): Promise<string> {
  const text = await readTextFile(resolve(cwd, file), { display: file });
  if (!/-----BEGIN CERTIFICATE-----/.test(text))
    throw new UsageError(
      `--registry-ca ${file} is not a PEM certificate file (it holds no -----BEGIN CERTIFICATE----- block)`,
    );
  return text;
}

/** Maps lock entries onto resolved files: each file's source URL (for the SBOM). */
function urlsFromLock(lock: Lockfile | undefined, name: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const a of lock?.plugins[name]?.artifacts ?? [])
    for (const f of a.files) {
      urls.set(f.fileName, f.url);
      for (const c of f.contents ?? []) urls.set(basename(c.path), f.url);
    }
  return urls;
}

/** Plugin sources: --plugin-dir directories as given, the rest resolved from the catalog and kiln.lock.json. */
export async function sources(
  io: CommandIO,
  names: string[],
  opts: Options,
  cwd: string,
): Promise<PluginSource[]> {
  const dirs = await pluginDirs(opts, cwd);
  const out: PluginSource[] = [];
  for (const n of names) {
    const dir = dirs.get(n);
    if (dir) out.push({ name: n, version: "local", dir });
  }
  const fromCatalog = names.filter((n) => !dirs.has(n));
  if (fromCatalog.length === 0) return out;
  const catalog = await requireCatalog(opts.catalog, cwd);
  const lock = await requireLockfile(opts.lockfile, cwd);
  const resolved = await resolvePlugins(catalog, lock, fromCatalog, {
    env: io.env,
    onProgress: progressReporter(io),
    ...(io.signal ? { signal: io.signal } : {}),
    layout: (opts.layout === "strimzi" ? "strimzi" : "plugin") as Layout,
  });
  for (const r of resolved) {
    const urls = urlsFromLock(lock, r.name);
    const entry = catalog.get(r.name);
    out.push({
      name: r.name,
      version: r.version,
      dir: r.dir,
      ...(entry?.license ? { license: entry.license } : {}),
      files: r.files.map((f) => ({
        path: f.path,
        size: f.size,
        sha256: f.sha256,
        sha512: f.sha512,
        ...(urls.get(basename(f.path)) ? { url: urls.get(basename(f.path)) as string } : {}),
      })),
    });
  }
  return out;
}

/** Runs a flag's parser; its KilnError becomes a usage error naming the flag. */
function usage<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof KilnError) throw new UsageError(`${flag}: ${err.userMessage}`);
    throw err;
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Push progress: a redrawn line on a TTY, plain lines otherwise. */
export function pushReporter(io: CommandIO): (e: PushEvent) => void {
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI && io.env.TERM !== "dumb";
  let last = 0;
  return (e) => {
    if (e.kind === "manifest") {
      io.stderr.write(`${tty ? "\r\x1b[2K" : ""}pushed manifest ${e.reference}\n`);
      return;
    }
    const short = e.digest.slice(7, 19);
    if (e.state === "uploading") {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      io.stderr.write(`\r\x1b[2Kuploading ${short} ${mib(e.bytes ?? 0)}/${mib(e.size)}`);
      return;
    }
    io.stderr.write(`${tty ? "\r\x1b[2K" : ""}${e.state} ${short} (${mib(e.size)})\n`);
  };
}

function defaultTag(result: BakeResult): string {
  return `sha-${result.artifact.digest.slice(7, 19)}`;
}

/** `kiln bake`: plugins from the lock baked onto a base, then pushed, written or loaded. */
export async function run(io: CommandIO, file: string | undefined, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const outputs = (opts.output ?? []).map((s) => parseOutput(s, cwd));
  const platforms: Platform[] | undefined = opts.platform
    ?.flatMap((p) => p.split(","))
    .map((p) => usage("--platform", () => parsePlatform(p)));
  // References are checked before anything is built, so a typo costs nothing.
  if (typeof opts.push === "string") usage("--push", () => parseReference(opts.push as string));
  if (opts.base) usage("--base", () => parseReference(opts.base as string));
  if (opts.pluginImages) usage("--plugin-images", () => parseReference(`${opts.pluginImages}/x:1`));
  const level = opts.level === undefined || opts.level === "auto" ? undefined : Number(opts.level);
  const recipe = recipeFromEnv(io.env, {
    ...(opts.compression ? { compression: opts.compression } : {}),
    ...(level !== undefined ? { level } : {}),
  });
  const insecure = [
    ...(opts.insecureRegistry ?? []),
    ...(io.env.KILN_INSECURE_REGISTRIES?.split(",").filter(Boolean) ?? []),
  ];
  const caFile = opts.registryCa ?? io.env.KILN_REGISTRY_CA;
  const client = new RegistryClient({
    insecure,
    ...(caFile ? { ca: await readRegistryCa(caFile, cwd) } : {}),
    credentials: dockerConfigCredentials(io.env),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const store = new BlobStore(join(defaultCacheDir(io.env), "images"));
  const outDir = resolve(cwd, opts.out);
  const source =
    opts.source ??
    (io.env.GITHUB_SERVER_URL && io.env.GITHUB_REPOSITORY
      ? `${io.env.GITHUB_SERVER_URL}/${io.env.GITHUB_REPOSITORY}`
      : undefined);
  const revision = opts.revision ?? io.env.GITHUB_SHA;
  const report: Array<Record<string, unknown>> = [];
  try {
    for (const job of await jobs(file, opts, cwd)) {
      const plugins = await sources(io, job.plugins, opts, cwd);
      // Blob uploads need only the repository, so fresh layers can stream there while they are made.
      const eagerRef = opts.plan
        ? undefined
        : typeof opts.push === "string"
          ? opts.push
          : opts.push
            ? job.repository
            : undefined;
      const eagerTarget = eagerRef ? parseReference(eagerRef) : undefined;
      const result = await bake(client, store, {
        ...(eagerTarget ? { eager: eagerUpload(client, eagerTarget) } : {}),
        base: job.base,
        plugins,
        recipe,
        ...(platforms ? { platforms } : {}),
        ...(opts.layout === "strimzi" && plugins.every((p) => p.version === "local")
          ? { layout: "strimzi" as const }
          : {}),
        ...(source ? { source } : {}),
        ...(revision ? { revision } : {}),
      });
      const digest = result.artifact.digest;
      for (const p of result.plugins)
        io.stderr.write(
          `layer ${p.plugin.name}@${p.plugin.version}: ${p.cached ? "cached" : "built"} (${mib(p.layer.descriptor.size)})\n`,
        );
      const entry: Record<string, unknown> = {
        connect: job.name,
        digest,
        base: formatReference(result.base.reference),
        plugins: result.plugins.map((p) => ({
          name: p.plugin.name,
          version: p.plugin.version,
          layer: p.layer.descriptor.digest,
          cached: p.cached,
        })),
      };
      const pushTarget =
        typeof opts.push === "string"
          ? opts.push
          : opts.push && job.repository
            ? `${job.repository}:${defaultTag(result)}`
            : opts.push
              ? (() => {
                  throw new UsageError(
                    `--push needs a reference: the Connect cluster ${job.name} sets no image.repository`,
                  );
                })()
              : undefined;
      const sbom = await generateSbom({
        image: { name: pushTarget ?? job.name, digest },
        plugins: result.plugins,
        epoch: recipe.epoch,
      });
      const sbomBytes = Buffer.from(`${JSON.stringify(sbom, null, 2)}\n`);

      if (opts.plan) {
        if (!pushTarget) {
          entry.plan = {
            digest,
            upToDate: false,
            uploadBytes: null,
            note: "no --push target: nothing to compare",
          };
        } else {
          const plan = await planPush(client, result.artifact, parseReference(pushTarget));
          entry.plan = { ...plan, target: pushTarget };
        }
        report.push(entry);
        continue;
      }

      await mkdir(outDir, { recursive: true });
      const sbomFile = join(outDir, `${job.name}.cdx.json`);
      await writeFile(sbomFile, sbomBytes);
      entry.sbom = sbomFile;
      const done: string[] = [];
      if (pushTarget) {
        const target = parseReference(pushTarget);
        const plan = await planPush(client, result.artifact, target);
        if (plan.upToDate) {
          entry.push = {
            reference: formatReference({ ...target, digest }),
            uploadedBytes: 0,
            upToDate: true,
          };
        } else {
          const pushed = await pushArtifact(client, result.artifact, target, {
            onEvent: pushReporter(io),
            present: presentBlobs(plan),
          });
          const ref = await pushReferrer(client, target, descriptorOf(result.artifact), {
            artifactType: MediaType.CYCLONEDX,
            data: sbomBytes,
            title: `${job.name}.cdx.json`,
            annotations: {
              "org.opencontainers.image.created": result.labels["org.opencontainers.image.created"] as string,
            },
          });
          // Layers streamed to the registry while they were made count as uploaded too.
          const eagerBytes = result.plugins
            .filter((p) => p.eagerUploaded)
            .reduce((n, p) => n + p.layer.descriptor.size, 0);
          entry.push = {
            reference: pushed.reference,
            uploadedBytes: pushed.uploadedBytes + eagerBytes,
            blobs: pushed.blobs,
            sbom: ref,
          };
        }
        done.push(formatReference({ ...target, digest }));
        if (opts.pluginImages) {
          const images: string[] = [];
          for (const p of plugins) {
            const pl = await buildPluginLayer(p, { store, recipe, root: "" });
            const art = pluginImage({
              name: p.name,
              version: p.version,
              layer: pl.layer,
              epoch: recipe.epoch,
              ...(platforms ? { platforms } : {}),
            });
            const pref = parseReference(`${opts.pluginImages.replace(/\/$/, "")}/${p.name}:${p.version}`);
            const pushed = await pushArtifact(client, art, pref);
            images.push(pushed.reference);
          }
          entry.pluginImages = images;
        }
      }
      for (const o of outputs) {
        const tag = pushTarget ?? `kiln/${job.name}:${defaultTag(result)}`;
        if (o.kind === "oci") {
          await writeLayout(o.dir, result.artifact, { refName: tag });
          done.push(`oci:${o.dir}`);
        } else if (o.kind === "docker-archive") {
          await writeDockerArchive(o.file, singleImage(result.artifact, platforms?.[0]), [tag]);
          done.push(`docker-archive:${o.file}`);
        } else if (o.kind === "docker") {
          await loadIntoEngine(
            dockerClient(io.env.DOCKER_HOST),
            singleImage(result.artifact, platforms?.[0]),
            tag,
          );
          done.push(`docker:${tag}`);
        } else {
          const resolved = await Promise.all(
            plugins.map(async (p) => ({ name: p.name, files: await resolveFiles(p) })),
          );
          await buildInEngine(dockerClient(io.env.DOCKER_HOST), {
            base: formatReference(result.base.reference),
            plugins: resolved,
            labels: result.labels,
            tag,
            epoch: recipe.epoch,
          });
          done.push(`docker-build:${tag}`);
        }
      }
      if (!pushTarget && outputs.length === 0) {
        // Nothing asked for: the image goes to an OCI layout under out/.
        const dir = join(outDir, "oci");
        await writeLayout(dir, result.artifact, { refName: `kiln/${job.name}:${defaultTag(result)}` });
        done.push(`oci:${dir}`);
      }
      entry.outputs = done;
      report.push(entry);
    }
  } finally {
    await client.close();
  }

  if (opts.json) {
    writeLine(io.stdout, JSON.stringify(report, null, 2));
    return EXIT_OK;
  }
  for (const e of report) {
    const plan = e.plan as
      | {
          upToDate?: boolean;
          uploadBytes?: number | null;
          blobs?: Array<{ action: string }>;
          target?: string;
        }
      | undefined;
    if (plan) {
      const counts = (a: string) => plan.blobs?.filter((b) => b.action === a).length ?? 0;
      writeLine(
        io.stdout,
        plan.upToDate
          ? `${e.connect}: ${e.digest} (${plan.target} is up to date: nothing to push)`
          : `${e.connect}: ${e.digest} would upload ${plan.uploadBytes === null ? "?" : mib(plan.uploadBytes ?? 0)} (${counts("upload")} blobs; ${counts("mount")} mounted, ${counts("exists")} present)`,
      );
      continue;
    }
    const push = e.push as { upToDate?: boolean; uploadedBytes?: number } | undefined;
    const note = push
      ? push.upToDate
        ? " (already pushed: nothing uploaded)"
        : ` (uploaded ${mib(push.uploadedBytes ?? 0)})`
      : "";
    writeLine(io.stdout, `${e.connect}: ${e.digest}${note}`);
    for (const o of (e.outputs as string[]) ?? []) writeLine(io.stdout, `  ${o}`);
  }
  return EXIT_OK;
}
