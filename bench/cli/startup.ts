// Start-up of the `kiln` command: `kiln --version` and `kiln validate` on one catalog entry, with
// the dev build (cli/bin/kiln.js) and the npm bundle, beside `node -e 0` (Node.js itself).
// Medians of BENCH_RUNS (20) interleaved runs, wall time of the whole process. Goal (issue 19):
// both under 0.3 s.
//   npx turbo run build && npx tsx --conditions kiln-src bench/cli/startup.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { timedProcess } from "../bake/peers.js";
import { writeCatalog } from "../catalog/entries.js";
import { kilnCommands, loadAverage } from "../kiln-commands.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const work = await mkdtemp(join(tmpdir(), "kiln-bench-cli-"));
const loadAtStart = loadAverage();

try {
  const kiln = await kilnCommands(work);
  const catalog = await writeCatalog(work, 1);
  const entry = join(catalog, "bench-connector-0.yaml");
  const cases: Array<[string, string[]]> = [
    ["node -e 0", ["-e", "0"]],
    ["kiln --version (bundle)", [kiln.bundle, "--version"]],
    ["kiln --version (dev build)", [kiln.dev, "--version"]],
    ["kiln validate 1 file (bundle)", [kiln.bundle, "validate", entry, "--catalog", catalog]],
    ["kiln validate 1 file (dev build)", [kiln.dev, "validate", entry, "--catalog", catalog]],
  ];
  const times = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (let r = 0; r < RUNS; r++) {
    for (const [name, args] of cases) {
      const m = await timedProcess(process.execPath, args, { cwd: resolve(work) });
      times.set(name, [...(times.get(name) ?? []), m.ms]);
      cpu.set(name, [...(cpu.get(name) ?? []), m.cpuMs ?? Number.NaN]);
    }
  }
  console.log(
    `kiln start-up, whole process, medians of ${RUNS} interleaved runs (Node.js ${process.version}). Load average ${loadAtStart} at the start, ${loadAverage()} at the end (2 cores).`,
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
