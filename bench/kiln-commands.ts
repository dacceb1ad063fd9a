// The two builds of the `kiln` command the benchmarks run as processes: the dev build
// (cli/bin/kiln.js over the workspaces' dist/, after `npx turbo run build`) and the npm bundle
// that `npm run pack` makes (what users install), packed here into `work`.
import { execFile } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const root = resolve(import.meta.dirname, "..");

export async function kilnCommands(work: string): Promise<{ dev: string; bundle: string }> {
  const pack = join(root, "cli", "scripts", "pack.mjs");
  await promisify(execFile)(process.execPath, [pack, "--out", join(work, "pack")], { cwd: root });
  return { dev: join(root, "cli", "bin", "kiln.js"), bundle: join(work, "pack", "stage", "lib", "kiln.js") };
}

/** Load averages over 1, 5 and 15 minutes, to read the figures by. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}
