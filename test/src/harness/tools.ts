import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Runs one of test/tools/*.sh — each builds or installs a pinned tool into the test cache once
 * per machine and prints its path — and returns that path.
 */
export async function cachedTool(script: string, args: string[] = []): Promise<string> {
  const file = fileURLToPath(new URL(`../../tools/${script}`, import.meta.url));
  const { stdout } = await promisify(execFile)("bash", [file, ...args], {
    timeout: 15 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const path = stdout.trim().split("\n").at(-1);
  if (!path) throw new Error(`${script} printed no path`);
  return path;
}
