// Resolves the whole real catalog from kiln.lock.json into an empty cache
// (cold), then again (warm), and prints bytes, requests and time for each.
// Goal (issue 3): a warm resolve makes 0 requests. Needs Maven Central.
//   npx tsx --conditions kiln-src bench/resolve/cold-warm.ts [--lock]
// --lock also times `kiln lock` (resolve from the sources, verify .sha1, lay out) cold and warm.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { HttpClient, lockCatalog, parseLock, readCatalog, resolvePlugins } from "@kiln/catalog";

const root = resolve(import.meta.dirname, "../..");
const { catalog } = await readCatalog(join(root, "catalog/connectors"), { cwd: root });
if (!catalog) throw new Error("the catalog is invalid: run kiln validate");
const lock = parseLock(readFileSync(join(root, "kiln.lock.json"), "utf8"));
const withLock = process.argv.includes("--lock");

interface Row {
  run: string;
  bytes: number;
  requests: number;
  ms: number;
  plugins: number;
  files: number;
}

async function measure(run: string, cacheDir: string, what: "resolve" | "lock"): Promise<Row> {
  const http = new HttpClient();
  const t0 = performance.now();
  let plugins = 0;
  let files = 0;
  if (what === "resolve") {
    const out = await resolvePlugins(catalog as never, lock, undefined, { cacheDir, http, env: process.env });
    plugins = out.length;
    files = out.reduce((n, p) => n + p.files.length, 0);
  } else {
    const out = await lockCatalog(catalog as never, undefined, undefined, {
      cacheDir,
      http,
      env: process.env,
    });
    plugins = Object.keys(out.plugins).length;
    files = Object.values(out.plugins).reduce(
      (n, p) => n + p.artifacts.reduce((m, a) => m + a.files.length, 0),
      0,
    );
  }
  return {
    run,
    bytes: http.stats.bytes,
    requests: http.stats.requests,
    ms: performance.now() - t0,
    plugins,
    files,
  };
}

const rows: Row[] = [];
const dirs: string[] = [];
for (const what of withLock ? (["resolve", "lock"] as const) : (["resolve"] as const)) {
  const cacheDir = mkdtempSync(join(tmpdir(), `kiln-bench-${what}-`));
  dirs.push(cacheDir);
  rows.push(await measure(`${what} cold`, cacheDir, what));
  rows.push(await measure(`${what} warm`, cacheDir, what));
}
for (const d of dirs) rmSync(d, { recursive: true, force: true });

const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
console.log(
  `catalog: ${catalog.entries.length} entries; ${process.platform} ${process.arch}, node ${process.version}`,
);
console.log(
  [
    "run".padEnd(14),
    "bytes".padStart(11),
    "requests".padStart(9),
    "time".padStart(9),
    "plugin files".padStart(13),
  ].join("  "),
);
for (const r of rows) {
  console.log(
    [
      r.run.padEnd(14),
      mib(r.bytes).padStart(11),
      String(r.requests).padStart(9),
      `${(r.ms / 1000).toFixed(2)} s`.padStart(9),
      String(r.files).padStart(13),
    ].join("  "),
  );
}
const warm = rows.filter((r) => r.run.endsWith("warm"));
const ok = warm.every((r) => r.requests === 0);
console.log(`goal: warm makes 0 requests — ${ok ? "met" : "MISSED"}`);
process.exitCode = ok ? 0 : 1;
