import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LocalCluster, LocalEnvironment } from "@kiln/local";
import { runKiln } from "../harness/cli.js";
import { compileJava } from "../harness/kafka/index.js";
import { type Probe, type ProbeResult, runProbes } from "./probe.js";

/** `kiln up` as a user runs it; throws with its output unless it exits 0. */
export async function kilnUp(cwd: string, args: string[]): Promise<LocalEnvironment> {
  const r = await runKiln(["up", ...args, "--json"], { cwd, env: process.env });
  if (r.code !== 0) throw new Error(`kiln up exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as LocalEnvironment;
}

export async function kilnDown(cwd: string, state: string): Promise<void> {
  const r = await runKiln(["down", "--state", state, "--keep"], { cwd, env: process.env });
  if (r.code !== 0) throw new Error(`kiln down exited ${r.code}:\n${r.stdout}${r.stderr}`);
}

/** The test's own Java sources (a custom authenticator, a custom authorizer), compiled against Kafka. */
export async function compileFixture(name: string): Promise<string> {
  return (await compileJava(new URL(`./${name}.java`, import.meta.url).pathname)).dir;
}

/** Users of the custom PLAIN authenticator: a password each, stored only as its SHA-256. */
export async function plainUsers(
  dir: string,
  names: string[],
): Promise<{ file: string; passwords: Record<string, string> }> {
  await mkdir(dir, { recursive: true });
  const passwords = Object.fromEntries(names.map((n) => [n, randomBytes(12).toString("hex")]));
  const file = join(dir, "plain-users.txt");
  await writeFile(
    file,
    Object.entries(passwords)
      .map(([n, p]) => `${n}:${createHash("sha256").update(p).digest("hex")}`)
      .join("\n"),
  );
  return { file, passwords };
}

export function cluster(env: LocalEnvironment, name: string): LocalCluster {
  const c = env.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`kiln up started no cluster ${name}`);
  return c;
}

export function userConfig(c: LocalCluster, user: string, listener: string): string {
  const file = c.users.find((u) => u.name === user)?.configs[listener];
  if (!file)
    throw new Error(`kiln up wrote no client config for ${user} on ${c.name}'s listener ${listener}`);
  return file;
}

export function listener(c: LocalCluster, name: string) {
  const l = c.listeners.find((x) => x.name === name);
  if (!l) throw new Error(`${c.name} has no listener ${name}`);
  return l;
}

/** Runs probes and fails with every result when one is missing. */
export async function probe(
  env: LocalEnvironment,
  workDir: string,
  probes: Probe[],
  opts: { classpath?: string[]; jvmArgs?: string[] } = {},
): Promise<Record<string, ProbeResult>> {
  const results = await runProbes(probes, { workDir, hostsFile: env.hostsFile, ...opts });
  const missing = probes.filter((p) => !results[p.name]).map((p) => p.name);
  if (missing.length > 0)
    throw new Error(`no result for ${missing.join(", ")}: ${JSON.stringify(results, null, 1)}`);
  return results;
}
