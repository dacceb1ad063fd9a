// `kiln validate` as a whole process — start-up, reading, YAML, schema and catalog checks — on
// catalogs of 100, 1,000 and 5,000 generated entries, with the dev build and the npm bundle; and
// the same work as a library call (readCatalog, in this process) for reference. Medians of
// BENCH_RUNS (5) runs. Goals (issue 19): linear, and 5,000 entries ≤ 2 s as a process.
//   npx turbo run build && npx tsx --conditions kiln-src bench/catalog/scale.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readCatalog } from "@kiln/catalog";
import { timedProcess } from "../bake/peers.js";
import { kilnCommands, loadAverage } from "../kiln-commands.js";
import { writeCatalog } from "./entries.js";

const SIZES = [100, 1000, 5000];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const work = await mkdtemp(join(tmpdir(), "kiln-bench-catalog-"));
const loadAtStart = loadAverage();

try {
  const kiln = await kilnCommands(work);
  const times = new Map<string, number[]>();
  const add = (k: string, ms: number) => times.set(k, [...(times.get(k) ?? []), ms]);
  const dirs = new Map<number, string>();
  for (const n of SIZES) dirs.set(n, await writeCatalog(join(work, `catalog-${n}`), n));
  for (let r = 0; r < RUNS; r++) {
    for (const n of SIZES) {
      const dir = dirs.get(n) as string;
      for (const [build, js] of Object.entries(kiln)) {
        // Exit 0 only when every entry is valid; GNU time gives the CPU time beside the wall time.
        const m = await timedProcess(process.execPath, [js, "validate", "--catalog", dir], { cwd: work });
        add(`${build}|${n}`, m.ms);
        add(`${build} cpu|${n}`, m.cpuMs ?? Number.NaN);
      }
      const t0 = performance.now();
      const result = await readCatalog(dir);
      add(`library|${n}`, performance.now() - t0);
      if (result.catalog?.entries.length !== n) throw new Error("the benchmark catalog did not validate");
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  const m = (k: string) => median(times.get(k) ?? []);
  console.log(
    `kiln validate, a catalog of n entries (read + YAML + schema + checks); medians of ${RUNS} runs. Load average ${loadAtStart} at the start, ${loadAverage()} at the end (2 cores).`,
  );
  console.log(
    `${"".padEnd(24)}${SIZES.map((n) => `${n} entries`.padEnd(16)).join("")}per entry (1,000→5,000)`,
  );
  for (const [label, key] of [
    ["kiln validate (bundle)", "bundle"],
    ["  its CPU time", "bundle cpu"],
    ["kiln validate (dev)", "dev"],
    ["  its CPU time", "dev cpu"],
    ["readCatalog (library)", "library"],
  ] as const) {
    const row = SIZES.map((n) => m(`${key}|${n}`));
    const perEntryUs = ((m(`${key}|5000`) - m(`${key}|1000`)) / 4000) * 1000;
    console.log(`${label.padEnd(24)}${row.map((x) => s(x).padEnd(16)).join("")}${perEntryUs.toFixed(0)} µs`);
  }
  // Linear: an entry costs no more among 5,000 than among 1,000 (a quarter more allowed for noise).
  const early = (m("bundle|1000") - m("bundle|100")) / 900;
  const late = (m("bundle|5000") - m("bundle|1000")) / 4000;
  console.log("\ngoals (issue 19):");
  console.log(
    `  ${m("bundle|5000") <= 2000 ? "met   " : "MISSED"} 5,000 entries ≤ 2 s as a process: ${s(m("bundle|5000"))} (bundle; CPU time ${s(m("bundle cpu|5000"))}), ${s(m("dev|5000"))} (dev build)`,
  );
  console.log(
    `  ${late <= early * 1.25 ? "met   " : "MISSED"} linear: ${(late * 1000).toFixed(0)} µs per entry from 1,000 to 5,000, ${(early * 1000).toFixed(0)} µs from 100 to 1,000`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
