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

/**
 * The environment measured processes run in: this one without NODE_EXTRA_CA_CERTS. This workplace
 * sets it to the system's 200-odd CA bundle, which every Node.js process then parses at start
 * (`node -e 0`: 0.12 s with it, 0.03 s without); a user's machine does not, and the benchmarks'
 * registry and Connect workers speak plain HTTP on loopback.
 */
export function commandEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  return { ...env, ...extra };
}

/** Load averages over 1, 5 and 15 minutes, to read the figures by. */
export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}
