// Start-up of the `kiln` command: `kiln --version` and `kiln validate` on one catalog entry, with
// the dev build (cli/bin/kiln.js) and the npm bundle, beside `node -e 0` (Node.js itself).
// Medians of BENCH_RUNS (20) interleaved runs, wall time of the whole process. Goal (issue 19):
// both under 0.3 s. BENCH_NODE runs them on another Node.js binary; on one with a compile cache
// (22.1+), the bundle also runs with it turned off (NODE_DISABLE_COMPILE_CACHE=1), for comparison.
//   npx turbo run build && npx tsx --conditions kiln-src bench/cli/startup.ts
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { timedProcess } from "../bake/peers.js";
import { writeCatalog } from "../catalog/entries.js";
import { commandEnv, kilnCommands, loadAverage } from "../kiln-commands.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const NODE = process.env.BENCH_NODE ?? process.execPath;
const probe = "process.version + ' ' + typeof require('node:module').enableCompileCache";
const [nodeVersion, cacheApi] = execFileSync(NODE, ["-p", probe], { encoding: "utf8" }).trim().split(" ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const work = await mkdtemp(join(tmpdir(), "kiln-bench-cli-"));
const loadAtStart = loadAverage();

try {
  const kiln = await kilnCommands(work);
  const catalog = await writeCatalog(work, 1);
  const entry = join(catalog, "bench-connector-0.yaml");
  const validate = ["validate", entry, "--catalog", catalog];
  // The compile cache (where there is one) lives in this run's own temp directory.
  const env = commandEnv({ TMPDIR: work });
  const uncached = { ...env, NODE_DISABLE_COMPILE_CACHE: "1" };
  const cases: Array<[string, string[], NodeJS.ProcessEnv]> = [
    ["node -e 0", ["-e", "0"], env],
    ["kiln --version (bundle)", [kiln.bundle, "--version"], env],
    ["kiln --version (dev build)", [kiln.dev, "--version"], env],
    ["kiln validate 1 file (bundle)", [kiln.bundle, ...validate], env],
    ["kiln validate 1 file (dev build)", [kiln.dev, ...validate], env],
    ...(cacheApi === "function"
      ? ([
          ["kiln --version (bundle, no cache)", [kiln.bundle, "--version"], uncached],
          ["kiln validate (bundle, no cache)", [kiln.bundle, ...validate], uncached],
        ] as Array<[string, string[], NodeJS.ProcessEnv]>)
      : []),
  ];
  const times = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (let r = 0; r < RUNS; r++) {
    for (const [name, args, caseEnv] of cases) {
      const m = await timedProcess(NODE, args, { cwd: resolve(work), env: caseEnv });
      times.set(name, [...(times.get(name) ?? []), m.ms]);
      cpu.set(name, [...(cpu.get(name) ?? []), m.cpuMs ?? Number.NaN]);
    }
  }
  console.log(
    `kiln start-up, whole process, medians of ${RUNS} interleaved runs (Node.js ${nodeVersion}, compile cache ${cacheApi === "function" ? "on" : "absent"}). Load average ${loadAtStart} at the start, ${loadAverage()} at the end (2 cores).`,
  );
  for (const [name] of cases) {
    const ms = times.get(name) ?? [];
    const goal = name.startsWith("node")
      ? ""
      : median(ms) < 300
        ? "  met (< 0.3 s)"
        : "  MISSED (goal < 0.3 s)";
    console.log(
      `  ${name.padEnd(34)}${(median(ms) / 1000).toFixed(3)} s  (min ${(Math.min(...ms) / 1000).toFixed(3)} s, CPU time ${(median(cpu.get(name) ?? []) / 1000).toFixed(3)} s)${goal}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
