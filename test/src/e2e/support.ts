import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { TEST_KILN_CACHE } from "../resolve/network.js";

export { eventually } from "../harness/eventually.js";

/** The repository root: the committed catalog and kiln.lock.json are what the suites bake. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const CATALOG_DIR = join(REPO_ROOT, "catalog", "connectors");
export const LOCKFILE = join(REPO_ROOT, "kiln.lock.json");

// JSON is YAML: files written as JSON documents load through kiln's YAML loader.
export const yamlOf = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/**
 * Runs the kiln CLI in-process in `cwd` (as CI would: CI=true, plain progress lines), with the
 * suites' shared kiln cache so a warm machine downloads nothing.
 */
export function kiln(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runKiln(args, { cwd, env: { ...process.env, KILN_CACHE: TEST_KILN_CACHE, ...env } });
}

export async function e2eDir(prefix: string): Promise<string> {
  return mkdtemp(join(required("workDir"), `e2e-${prefix}-`));
}
