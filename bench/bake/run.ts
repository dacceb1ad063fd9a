// kiln bake benchmark: docker build+push vs kiln (daemonless) vs the raw lower
// bound, against one local registry, cold / warm (one plugin of eight changed)
// / no-op; then kiln's peak RSS with a 1 GB plugin set. Prints a table.
//   npx tsx --conditions kiln-src bench/bake/run.ts
// Knobs: BENCH_BASE_MB (600), BENCH_PLUGINS_MB (160), BENCH_RUNS (3),
// BENCH_RSS_MB (1024, 0 to skip), BENCH_DOCKER (1; 0 skips the docker column).
import { execFile, spawn } from "node:child_process";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import {
  BlobStore,
  bake,
  eagerUpload,
  type PluginSource,
  parseReference,
  planPush,
  presentBlobs,
  pushArtifact,
  RegistryClient,
} from "@kiln/builder";
import { dockerd } from "../../test/src/services/dockerd.js";
import { startRegistry } from "../../test/src/services/registry.js";
import { type RawLayer, rawPush } from "./lower-bound.js";
import { makeBase, makePlugin, makePlugins } from "./workload.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const BASE_MB = Number(process.env.BENCH_BASE_MB ?? 600);
const PLUGINS_MB = Number(process.env.BENCH_PLUGINS_MB ?? 160);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RSS_MB = Number(process.env.BENCH_RSS_MB ?? 1024);
const WITH_DOCKER = process.env.BENCH_DOCKER !== "0";
const CHANGED = 3; // plugin-3 (the 4th of 8) changes in the warm case
const MB = 1024 * 1024;

const work = await mkdtemp(join(tmpdir(), "kiln-bench-bake-"));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const reg = await startRegistry({ dir: join(work, "registry"), name: "bench-registry" });
const blobsDir = join(work, "registry", "data", "docker", "registry", "v2", "blobs");
const dockerSvc = WITH_DOCKER ? await dockerd.start({ workDir: join(work, "dockerd") }) : undefined;
const dockerEnv = { ...process.env, DOCKER_HOST: dockerSvc?.provide.dockerHost ?? "", DOCKER_BUILDKIT: "0" };
const docker = async (...args: string[]) =>
  (await run("docker", args, { env: dockerEnv, maxBuffer: 64 * MB })).stdout;

async function storedBytes(): Promise<number> {
  const { stdout } = await run("du", ["-sb", blobsDir]).catch(() => ({ stdout: "0" }));
  return Number(stdout.split(/\s/)[0]);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; bytes: number; value: T }> {
  const before = await storedBytes();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  return { ms, bytes: (await storedBytes()) - before, value };
}

try {
  log(`workload: base ${BASE_MB} MB, 8 plugins ${PLUGINS_MB} MB, ${RUNS} runs, in ${work}`);
  const { image: base } = await makeBase(join(work, "base"), BASE_MB);
  const baseRef = `${reg.address}/bench/kafka:1`;
  const setup = new RegistryClient({ insecure: [reg.address] });
  await pushArtifact(setup, base, parseReference(baseRef));
  await setup.close();
  const plugins = await makePlugins(join(work, "plugins"), PLUGINS_MB);

  // Docker build context: the Dockerfile and hard links to the plugin files.
  async function context(dir: string, set: PluginSource[]): Promise<void> {
    await rm(dir, { recursive: true, force: true });
    const lines = [`FROM ${baseRef}`];
    for (const p of set) {
      lines.push(`COPY plugins/${p.name}/ /opt/kafka/plugins/${p.name}/`);
      for (const f of p.files ?? []) {
        const to = join(dir, "plugins", p.name, f.path);
        await mkdir(join(to, ".."), { recursive: true });
        await link(join(p.dir, f.path), to);
      }
    }
    await writeFile(join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
  }

  type Tool = "docker" | "kiln" | "lower gzip-0" | "lower gzip-6";
  const results = new Map<string, { ms: number[]; bytes: number[] }>();
  const record = (c: string, tool: Tool, ms: number, bytes: number) => {
    const k = `${c}|${tool}`;
    const r = results.get(k) ?? { ms: [], bytes: [] };
    r.ms.push(ms);
    r.bytes.push(bytes);
    results.set(k, r);
  };

  for (let i = 0; i < RUNS; i++) {
    const changed = [...plugins];
    const kilnCache = join(work, `kiln-cache-${i}`);
    const kilnPush = async (set: PluginSource[], repo: string) => {
      const client = new RegistryClient({ insecure: [reg.address] });
      try {
        const target = parseReference(`${reg.address}/${repo}:1`);
        const r = await bake(client, new BlobStore(kilnCache), {
          base: baseRef,
          plugins: set,
          recipe: { compression: "gzip", level: "auto", epoch: 1_700_000_000 },
          eager: eagerUpload(client, target),
        });
        const plan = await planPush(client, r.artifact, target);
        if (!plan.upToDate) await pushArtifact(client, r.artifact, target, { present: presentBlobs(plan) });
        return r.artifact.digest;
      } finally {
        await client.close();
      }
    };
    // Fresh content per run, so every tool's cold push stores genuinely new bytes.
    const coldSet = i === 0 ? plugins : await makePlugins(join(work, `plugins-${i}`), PLUGINS_MB, 8, `c${i}`);
    changed.splice(0, changed.length, ...coldSet);
    changed[CHANGED] = await makePlugin(
      join(work, "plugins"),
      `plugin-${CHANGED}`,
      PLUGINS_MB / 8,
      `run${i}`,
    );
    const cases: Array<[string, PluginSource[], Set<string>]> = [
      ["cold", coldSet, new Set(coldSet.map((p) => p.name))],
      ["warm", changed, new Set([`plugin-${CHANGED}`])],
      ["no-op", changed, new Set()],
    ];
    const known = new Map<string, RawLayer>();
    const known6 = new Map<string, RawLayer>();
    for (const [c, set, fresh] of cases) {
      if (WITH_DOCKER) {
        if (c === "cold") {
          // A fresh CI runner: no images, no build cache; the base only in the registry.
          await docker("system", "prune", "-af");
        }
        const ctx = join(work, `ctx-${i}`);
        await context(ctx, set);
        const tag = `${reg.address}/bench/docker-${i}:1`;
        const d = await timed(async () => {
          await docker("build", "-q", "-t", tag, ctx);
          await docker("push", "-q", tag);
        });
        record(c, "docker", d.ms, d.bytes);
      }
      const k = await timed(() => kilnPush(set, `bench/kiln-${i}`));
      record(c, "kiln", k.ms, k.bytes);
      if (c !== "no-op") {
        const l1 = await timed(() =>
          rawPush({
            registry: reg.address,
            baseRepo: "bench/kafka",
            base,
            repo: `bench/raw1-${i}`,
            plugins: set,
            changed: fresh,
            known,
            level: 1,
          }),
        );
        record(c, "lower gzip-0", l1.ms, l1.bytes);
        const l6 = await timed(() =>
          rawPush({
            registry: reg.address,
            baseRepo: "bench/kafka",
            base,
            repo: `bench/raw6-${i}`,
            plugins: set,
            changed: fresh,
            known: known6,
            level: 6,
          }),
        );
        record(c, "lower gzip-6", l6.ms, l6.bytes);
      }
      log(
        `run ${i + 1}/${RUNS} ${c}: ${[...results.entries()]
          .filter(([key]) => key.startsWith(`${c}|`))
          .map(([key, v]) => `${key.split("|")[1]} ${(v.ms.at(-1) ?? 0).toFixed(0)} ms`)
          .join(", ")}`,
      );
    }
  }

  // Peak memory: a child process bakes and pushes a 1 GB plugin set cold.
  let rss: { ms: number; uploadedBytes: number; maxRssKb: number } | undefined;
  if (RSS_MB > 0) {
    const big = await makePlugins(join(work, "big"), RSS_MB, 8, "big");
    const spec = join(work, "rss.json");
    await writeFile(
      spec,
      JSON.stringify({
        registry: reg.address,
        base: baseRef,
        target: `${reg.address}/bench/rss:1`,
        cache: join(work, "rss-cache"),
        plugins: big,
      }),
    );
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--conditions", "kiln-src", join(import.meta.dirname, "rss-child.ts"), spec],
        {
          cwd: root,
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let s = "";
      child.stdout.on("data", (d) => (s += d));
      child.on("exit", (code) => (code === 0 ? res(s) : rej(new Error(`rss child exited ${code}`))));
    });
    rss = JSON.parse(out.trim().split("\n").pop() as string);
  }

  const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const fmtMB = (b: number) => `${(b / MB).toFixed(0)} MB`;
  const cell = (c: string, t: Tool) => {
    const r = results.get(`${c}|${t}`);
    return r ? `${fmtS(median(r.ms))} / ${fmtMB(median(r.bytes))}` : "-";
  };
  const ratio = (c: string, a: Tool, b: Tool) => {
    const x = results.get(`${c}|${a}`);
    const y = results.get(`${c}|${b}`);
    return x && y ? (median(x.ms) / median(y.ms)).toFixed(2) : "-";
  };
  const header = [
    "case",
    "docker build+push",
    "kiln",
    "lower bound gzip-0",
    "lower bound gzip-6",
    "docker/kiln",
    "kiln/lower-0",
  ];
  const rows = ["cold", "warm", "no-op"].map((c) => [
    c,
    cell(c, "docker"),
    cell(c, "kiln"),
    cell(c, "lower gzip-0"),
    cell(c, "lower gzip-6"),
    ratio(c, "docker", "kiln"),
    ratio(c, "kiln", "lower gzip-0"),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((s, i) => s.padEnd(widths[i] ?? 0)).join("  ");
  console.log(
    `\nkiln bake: base ${BASE_MB} MB, 8 plugins ${PLUGINS_MB} MB (plugin-${CHANGED} changes in warm), medians of ${RUNS} runs; time / new bytes stored in the registry`,
  );
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (rss)
    console.log(
      `\nkiln peak RSS, cold bake+push of ${RSS_MB} MB of plugins: ${(rss.maxRssKb / 1024).toFixed(0)} MB (goal < 256 MB), ${fmtS(rss.ms)}, ${fmtMB(rss.uploadedBytes)} uploaded`,
    );
  console.log(
    "goals: warm docker/kiln >= 4 and kiln/lower-0 <= 1.2; cold docker/kiln >= 3 (600 MB base); no-op 0 bytes and < 0.5 s",
  );
} finally {
  await dockerSvc?.stop();
  await reg.stop();
  await rm(work, { recursive: true, force: true }).catch(() => {});
}
