// kiln bake benchmark: the real peers in one run, against one local registry (a 600 MB base,
// eight plugins of 160 MB in all), cold (fresh plugins, empty caches) / warm (one plugin of
// eight changed) / no-op, medians of interleaved runs (the tools' order rotates each run):
//   - kiln as a library (bake + plan + push in this process) and `kiln bake` as a command
//     (the npm bundle of `npm run pack`, and the dev build cli/bin/kiln.js), --plugin-dir;
//   - crane v0.22.1 append (bench/tools/crane.sh builds it through the Go module proxy) with
//     tarballs from `tar --sort=name … | pigz -n`, at levels 0 and 6, made on every run;
//   - Docker BuildKit and the legacy builder: Debian's docker CLI 20.10 build + push, each on
//     its own dockerd;
//   - the floor: tar + gzip (zlib level 0 and 6) + sha256 of only the changed plugins,
//     streamed to the registry in one pass (lower-bound.ts).
// Then the peak RSS of a cold bake+push of 1 GB of plugins (the command and the library).
// Prints medians (time / new bytes stored in the registry), per-pair ratios (medians of the
// per-run ratios) and the issue's goals, with the load average.
//   npx turbo run build && npx tsx --conditions kiln-src bench/bake/run.ts
// Needs Debian's docker.io, docker-registry and pigz, and Go (for crane). Knobs: BENCH_BASE_MB
// (600), BENCH_PLUGINS_MB (160), BENCH_RUNS (5), BENCH_RSS_MB (1024, 0 skips), BENCH_DOCKER
// (1; 0 skips BuildKit and legacy), BENCH_LEGACY (1; 0 skips the legacy builder).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import {
  BlobPresence,
  BlobStore,
  bake,
  eagerUpload,
  type PluginSource,
  parseReference,
  planPush,
  pushArtifact,
  RegistryClient,
} from "@kiln/builder";
import { dockerd } from "../../test/src/services/dockerd.js";
import { startRegistry } from "../../test/src/services/registry.js";
import { kilnCommands, loadAverage } from "../kiln-commands.js";
import { type RawLayer, rawPush } from "./lower-bound.js";
import { craneAppend, dockerBuild, dockerContext, kilnCommand, type Measured } from "./peers.js";
import { makeBase, makePlugin, makePlugins } from "./workload.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const BASE_MB = Number(process.env.BENCH_BASE_MB ?? 600);
const PLUGINS_MB = Number(process.env.BENCH_PLUGINS_MB ?? 160);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RSS_MB = Number(process.env.BENCH_RSS_MB ?? 1024);
const WITH_DOCKER = process.env.BENCH_DOCKER !== "0";
const WITH_LEGACY = WITH_DOCKER && process.env.BENCH_LEGACY !== "0";
const CHANGED = 3; // plugin-3 (the 4th of 8) changes in the warm case
const MB = 1024 * 1024;
const CASES = ["cold", "warm", "no-op"] as const;
type Case = (typeof CASES)[number];
type ToolRun = (c: Case, set: PluginSource[], fresh: Set<string>) => Promise<Measured | undefined>;

const work = await mkdtemp(join(tmpdir(), "kiln-bench-bake-"));
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = loadAverage;
const loadAtStart = load();

const crane = (await run("bash", [join(root, "bench/tools/crane.sh")])).stdout.trim();
log("packing the bundle (npm run pack)");
const { bundle: bundleJs, dev: devJs } = await kilnCommands(work);

const reg = await startRegistry({ dir: join(work, "registry"), name: "bench-registry" });
const blobsDir = join(work, "registry", "data", "docker", "registry", "v2", "blobs");
const buildkitd = WITH_DOCKER ? await dockerd.start({ workDir: join(work, "dockerd-buildkit") }) : undefined;
const legacyd = WITH_LEGACY ? await dockerd.start({ workDir: join(work, "dockerd-legacy") }) : undefined;

async function storedBytes(): Promise<number> {
  const { stdout } = await run("du", ["-sb", blobsDir]).catch(() => ({ stdout: "0" }));
  return Number(stdout.split(/\s/)[0]);
}

interface Sample {
  ms: number;
  bytes: number;
  rssKb: number;
  cpuMs?: number;
}
/** results[case][tool] = one sample per run. */
const results = new Map<string, Sample[]>();
const record = (c: Case, tool: string, s: Sample) => {
  const k = `${c}|${tool}`;
  results.set(k, [...(results.get(k) ?? []), s]);
};

try {
  log(
    `workload: base ${BASE_MB} MB, 8 plugins ${PLUGINS_MB} MB, ${RUNS} runs, in ${work}; load ${loadAtStart}`,
  );
  const { image: base } = await makeBase(join(work, "base"), BASE_MB);
  const baseRef = `${reg.address}/bench/kafka:1`;
  const setup = new RegistryClient({ insecure: [reg.address] });
  await pushArtifact(setup, base, parseReference(baseRef));
  await setup.close();
  const plugins = await makePlugins(join(work, "plugins"), PLUGINS_MB);

  const peers = { registry: reg.address, base: baseRef, work };
  const bundle = kilnCommand(bundleJs, peers);
  const dev = kilnCommand(devJs, peers);
  const craneRun = craneAppend(crane, peers);
  const buildkit = buildkitd
    ? dockerBuild({ dockerHost: buildkitd.provide.dockerHost as string, work, buildkit: true })
    : undefined;
  const legacy = legacyd
    ? dockerBuild({ dockerHost: legacyd.provide.dockerHost as string, work, buildkit: false })
    : undefined;

  for (let i = 0; i < RUNS; i++) {
    // Untimed: this run's plugins (fresh content, so every cold push stores new bytes), the
    // warm set (plugin-3 changed) and the Docker contexts (hard links made before any timing,
    // so no tool sees another's inode changes).
    const coldSet = i === 0 ? plugins : await makePlugins(join(work, `plugins-${i}`), PLUGINS_MB, 8, `c${i}`);
    const warmSet = [...coldSet];
    warmSet[CHANGED] = await makePlugin(
      join(work, `plugins-${i}`),
      `plugin-${CHANGED}`,
      PLUGINS_MB / 8,
      `w${i}`,
    );
    const contexts = { cold: join(work, `ctx-cold-${i}`), warm: join(work, `ctx-warm-${i}`) };
    if (WITH_DOCKER) {
      await dockerContext(contexts.cold, baseRef, coldSet);
      await dockerContext(contexts.warm, baseRef, warmSet);
      await buildkit?.reset();
      await legacy?.reset();
    }
    await new Promise((r) => setTimeout(r, 500)); // past the digest cache's racy window

    const libCache = join(work, `lib-cache-${i}`);
    const known = { 0: new Map<string, RawLayer>(), 6: new Map<string, RawLayer>() };
    const tools: Array<readonly [string, ToolRun]> = [
      [
        "kiln library",
        async (_c, set) => {
          const t0 = performance.now();
          const client = new RegistryClient({ insecure: [reg.address] });
          try {
            const target = parseReference(`${reg.address}/bench/lib-${i}:1`);
            const presence = new BlobPresence(client, target);
            const r = await bake(client, new BlobStore(libCache), {
              base: baseRef,
              plugins: set,
              recipe: { compression: "gzip", level: "auto", epoch: 1_700_000_000 },
              eager: eagerUpload(client, target, presence),
              // As the command's push-only bake: a layer the registry took is not cached too.
              keepLocal: false,
              onLayers: (digests) => presence.prefetch(digests),
            });
            const plan = await planPush(client, r.artifact, target, presence);
            if (!plan.upToDate) await pushArtifact(client, r.artifact, target, { presence });
          } finally {
            await client.close();
          }
          return { ms: performance.now() - t0, maxRssKb: 0 };
        },
      ],
      ["kiln bake (bundle)", (_c, set) => bundle(set, `bench/bundle-${i}`, join(work, `bundle-cache-${i}`))],
      ["kiln bake (dev build)", (_c, set) => dev(set, `bench/dev-${i}`, join(work, `dev-cache-${i}`))],
      ["crane gzip-0", (_c, set) => craneRun(set, `bench/crane0-${i}`, 0)],
      ["crane gzip-6", (_c, set) => craneRun(set, `bench/crane6-${i}`, 6)],
      ...(buildkit
        ? [
            [
              "BuildKit",
              (c: Case) =>
                buildkit.run(
                  c === "cold" ? contexts.cold : contexts.warm,
                  `${reg.address}/bench/buildkit-${i}:1`,
                ),
            ] as const,
          ]
        : []),
      ...(legacy
        ? [
            [
              "docker legacy",
              (c: Case) =>
                legacy.run(
                  c === "cold" ? contexts.cold : contexts.warm,
                  `${reg.address}/bench/legacy-${i}:1`,
                ),
            ] as const,
          ]
        : []),
      ...([0, 6] as const).map(
        (level) =>
          [
            `floor gzip-${level}`,
            async (c: Case, set: PluginSource[], fresh: Set<string>) => {
              if (c === "no-op") return undefined;
              const t0 = performance.now();
              await rawPush({
                registry: reg.address,
                baseRepo: "bench/kafka",
                base,
                repo: `bench/floor${level}-${i}`,
                plugins: set,
                changed: fresh,
                known: known[level],
                level,
              });
              return { ms: performance.now() - t0, maxRssKb: 0 };
            },
          ] as const,
      ),
    ];
    // The tools' order rotates, so no tool always follows the same neighbour.
    const order = tools.map((_, k) => tools[(k + i) % tools.length] as (typeof tools)[number]);
    for (const c of CASES) {
      const set = c === "cold" ? coldSet : warmSet;
      const fresh = new Set(
        c === "cold" ? coldSet.map((p) => p.name) : c === "warm" ? [`plugin-${CHANGED}`] : [],
      );
      const line: string[] = [];
      for (const [name, fn] of order) {
        // Untimed: the previous tool's dirty pages (BuildKit's cold build writes gigabytes) are
        // written back first, so no tool pays for its neighbour's writes.
        await run("sync");
        const before = await storedBytes();
        const m = await fn(c, set, fresh);
        if (!m) continue;
        record(c, name, {
          ms: m.ms,
          bytes: (await storedBytes()) - before,
          rssKb: m.maxRssKb,
          ...(m.cpuMs !== undefined ? { cpuMs: m.cpuMs } : {}),
        });
        line.push(`${name} ${m.ms.toFixed(0)} ms`);
      }
      log(`run ${i + 1}/${RUNS} ${c} (load ${load()}): ${line.join(", ")}`);
    }
  }

  // Peak memory: a cold bake+push of 1 GB of plugins, by the command and by the library.
  const rss: Array<[string, Measured]> = [];
  if (RSS_MB > 0) {
    const big = await makePlugins(join(work, "big"), RSS_MB, 8, "big");
    await new Promise((r) => setTimeout(r, 500));
    rss.push(["kiln bake (bundle)", await bundle(big, "bench/rss-bundle", join(work, "rss-bundle-cache"))]);
    const spec = join(work, "rss.json");
    await writeFile(
      spec,
      JSON.stringify({
        registry: reg.address,
        base: baseRef,
        target: `${reg.address}/bench/rss-lib:1`,
        cache: join(work, "rss-lib-cache"),
        plugins: big,
      }),
    );
    const lib = await new Promise<string>((res, rej) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--conditions", "kiln-src", join(import.meta.dirname, "rss-child.ts"), spec],
        { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
      );
      let s = "";
      child.stdout.on("data", (d) => (s += d));
      child.on("exit", (code) => (code === 0 ? res(s) : rej(new Error(`rss child exited ${code}`))));
    });
    const l = JSON.parse(lib.trim().split("\n").pop() as string) as { ms: number; maxRssKb: number };
    rss.push(["kiln library", { ms: l.ms, maxRssKb: l.maxRssKb }]);
  }

  // Tables.
  const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const fmtMB = (b: number) => `${(b / MB).toFixed(0)} MB`;
  const toolNames = [...new Set([...results.keys()].map((k) => k.split("|")[1] as string))];
  const samples = (c: Case, t: string) => results.get(`${c}|${t}`) ?? [];
  const cell = (c: Case, t: string) => {
    const s = samples(c, t);
    return s.length ? `${fmtS(median(s.map((x) => x.ms)))} / ${fmtMB(median(s.map((x) => x.bytes)))}` : "-";
  };
  /** Median of the per-run ratios a/b (each run's pair measured side by side). */
  const ratio = (c: Case, a: string, b: string): number => {
    const x = samples(c, a);
    const y = samples(c, b);
    const n = Math.min(x.length, y.length);
    return n
      ? median(Array.from({ length: n }, (_, k) => (x[k] as Sample).ms / (y[k] as Sample).ms))
      : Number.NaN;
  };
  const table = (header: string[], rows: string[][]) => {
    const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? "").length)));
    const line = (r: string[]) => r.map((s, k) => s.padEnd(widths[k] ?? 0)).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));
  };
  console.log(
    `\nkiln bake: base ${BASE_MB} MB, 8 plugins ${PLUGINS_MB} MB (plugin-${CHANGED} changes in warm), medians of ${RUNS} interleaved runs; time / new bytes stored in the registry. Load average ${loadAtStart} at the start, ${load()} at the end (2 cores).`,
  );
  table(
    ["case", ...toolNames],
    CASES.map((c) => [c, ...toolNames.map((t) => cell(c, t))]),
  );
  const CMD = "kiln bake (bundle)";
  const pairs: Array<[string, string]> = [
    [CMD, "crane gzip-0"],
    [CMD, "crane gzip-6"],
    [CMD, "floor gzip-0"],
    [CMD, "BuildKit"],
    [CMD, "docker legacy"],
    [CMD, "kiln library"],
    ["kiln bake (dev build)", CMD],
    ["kiln library", "floor gzip-0"],
    ["kiln library", "crane gzip-0"],
  ];
  console.log("\nper-pair ratios (time a / time b, median of the per-run ratios):");
  table(
    ["a / b", ...CASES],
    pairs
      .filter(([a, b]) => toolNames.includes(a) && toolNames.includes(b))
      .map(([a, b]) => [
        `${a} / ${b}`,
        ...CASES.map((c) => (Number.isNaN(ratio(c, a, b)) ? "-" : ratio(c, a, b).toFixed(2))),
      ]),
  );
  // Wall time on a shared 2-core machine is mostly waiting for a core: the commands' own CPU time.
  console.log("\nCPU time (user + system) of the commands, medians:");
  table(
    ["process", ...CASES],
    ["kiln bake (bundle)", "kiln bake (dev build)"].map((t) => [
      t,
      ...CASES.map((c) => {
        const cpu = samples(c, t).flatMap((s) => (s.cpuMs === undefined ? [] : [s.cpuMs]));
        return cpu.length ? fmtS(median(cpu)) : "-";
      }),
    ]),
  );
  const cmdRss = Math.max(...CASES.flatMap((c) => samples(c, CMD).map((s) => s.rssKb)));
  if (rss.length) {
    console.log(`\npeak RSS, cold bake+push of ${RSS_MB} MB of plugins (goal ≤ 256 MB):`);
    for (const [name, m] of rss)
      console.log(`  ${name}: ${(m.maxRssKb / 1024).toFixed(0)} MB, ${fmtS(m.ms)}`);
  }
  console.log(`peak RSS of kiln bake (bundle) in the runs above: ${(cmdRss / 1024).toFixed(0)} MB`);

  const goal = (what: string, value: number, ok: boolean, unit = "") =>
    console.log(
      `  ${ok ? "met   " : "MISSED"} ${what}: ${Number.isNaN(value) ? "-" : `${value.toFixed(2)}${unit}`}`,
    );
  const med = (c: Case, t: string) => median(samples(c, t).map((s) => s.ms));
  console.log("\ngoals (issue 19), kiln bake as a command (the bundle):");
  goal("no-op ≤ 0.5 s", med("no-op", CMD) / 1000, med("no-op", CMD) <= 500, " s");
  // Each ratio goal: kiln bake as a command against one peer, at most `max` times its time.
  for (const [what, c, peer, max] of [
    ["no-op ≤ 2× BuildKit's no-op", "no-op", "BuildKit", 2],
    ["warm ≤ 0.5× crane level 0", "warm", "crane gzip-0", 0.5],
    ["warm ≤ 1.3× the level-0 floor", "warm", "floor gzip-0", 1.3],
    ["cold ≤ 1.0× crane level 0", "cold", "crane gzip-0", 1],
    ["cold ≤ 1.2× the level-0 floor", "cold", "floor gzip-0", 1.2],
  ] as const) {
    const r = ratio(c, CMD, peer);
    goal(what, r, r <= max, "×");
  }
  const bigRss = rss.find(([n]) => n === CMD)?.[1].maxRssKb;
  if (bigRss !== undefined)
    goal(`peak RSS ≤ 256 MB for ${RSS_MB} MB of plugins`, bigRss / 1024, bigRss / 1024 <= 256, " MB");
} finally {
  await buildkitd?.stop();
  await legacyd?.stop();
  await reg.stop();
  await rm(work, { recursive: true, force: true }).catch(() => {});
}
