import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { checkLevel, DEFAULT_RECIPE, type Platform, parsePlatform, parseReference } from "@kiln/builder";
import { type BakeOutput, type BakeReport, bakeImages } from "@kiln/pipeline/bake";
import { KilnError } from "@kiln/schemas/core";
import { EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";
import { pushReporter } from "../push-progress.js";

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

function parseOutput(spec: string, cwd: string): BakeOutput {
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

/** `--plugin-dir <name>=<directory>`, each an existing directory, each name once. */
async function pluginDirs(specs: string[], cwd: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of specs) {
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
  if (level !== undefined)
    usage("--level", () => checkLevel(opts.compression ?? DEFAULT_RECIPE.compression, level));
  const { json: _json, pluginDir, output: _output, platform: _platform, level: _level, ...rest } = opts;
  const report = await bakeImages(
    {
      ...rest,
      ...(file ? { file } : {}),
      pluginDirs: await pluginDirs(pluginDir ?? [], cwd),
      outputs,
      ...(platforms ? { platforms } : {}),
      ...(level !== undefined ? { level } : {}),
    },
    { cwd, env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    {
      onProgress: progressReporter(io),
      onPush: pushReporter(io),
      onLayer: (l) =>
        io.stderr.write(`layer ${l.name}@${l.version}: ${l.cached ? "cached" : "built"} (${mib(l.size)})\n`),
    },
  );
  if (opts.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
  else for (const e of report) printReport(io, e);
  return EXIT_OK;
}

function printReport(io: CommandIO, e: BakeReport): void {
  const plan = e.plan;
  if (plan) {
    const counts = (a: string) => ("blobs" in plan ? plan.blobs : []).filter((b) => b.action === a).length;
    writeLine(
      io.stdout,
      plan.upToDate
        ? `${e.connect}: ${e.digest} (${"target" in plan ? plan.target : ""} is up to date: nothing to push)`
        : `${e.connect}: ${e.digest} would upload ${plan.uploadBytes === null ? "?" : mib(plan.uploadBytes)} (${counts("upload")} blobs; ${counts("mount")} mounted, ${counts("exists")} present)`,
    );
    return;
  }
  const note = e.push
    ? "upToDate" in e.push
      ? " (already pushed: nothing uploaded)"
      : ` (uploaded ${mib(e.push.uploadedBytes)})`
    : "";
  writeLine(io.stdout, `${e.connect}: ${e.digest}${note}`);
  for (const o of e.outputs ?? []) writeLine(io.stdout, `  ${o}`);
}
