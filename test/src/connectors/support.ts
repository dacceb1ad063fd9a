import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type ApplyOptions,
  type ApplyResult,
  applyPlan,
  ConnectClient,
  type DeploymentPlan,
  loadDeploymentFiles,
  planDeployment,
} from "@kiln/connectors";
import { runKiln } from "../harness/cli.js";
import { eventually as poll } from "../harness/eventually.js";
import { required } from "../harness/inject.js";

// JSON is YAML: connector files written as JSON documents load through the same YAML loader.
const stringify = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export const SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
export const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";

export function connectUrls(): string[] {
  return required("connectUrls").split(",");
}

/** A raw client on the shared workers, for arranging and checking outside kiln's planner. */
export function rawClient(urls = connectUrls()): ConnectClient {
  return new ConnectClient({ urls, retry: { deadlineMs: 60_000 } });
}

export interface ConnectorFile {
  name: string;
  class: string;
  state?: "running" | "paused" | "stopped";
  config: Record<string, string | number | boolean>;
  environments?: Record<string, unknown>;
}

/** A repo-like directory with a ConnectTarget for the shared workers and the given connector files. */
export async function workspace(connectors: ConnectorFile[], target: TargetFile = {}): Promise<string> {
  const dir = await mkdtemp(join(required("workDir"), "connectors-ws-"));
  await writeTree(dir, connectors, target);
  return dir;
}

/** A ConnectTarget (default: `local`, the shared workers); tls and auth as in the file format. */
export interface TargetFile {
  name?: string;
  urls?: string[];
  ownership?: { mode: string; protect?: string[] };
  tls?: Record<string, string>;
  auth?: Record<string, string>;
}

/** Writes `dir/connectors/`: the target (`_<name>.yaml`, so several can share a directory) and one file per connector. */
export async function writeTree(
  dir: string,
  connectors: ConnectorFile[],
  target: TargetFile = {},
): Promise<void> {
  await mkdir(join(dir, "connectors"), { recursive: true });
  const { name = "local", urls = connectUrls(), ...rest } = target;
  await writeFile(
    join(dir, "connectors", `_${name}.yaml`),
    stringify({ apiVersion: "kiln.dev/v1", kind: "ConnectTarget", name, urls, ...rest }),
  );
  for (const c of connectors) {
    await writeFile(
      join(dir, "connectors", `${c.name}.yaml`),
      stringify({
        apiVersion: "kiln.dev/v1",
        kind: "Connector",
        name: c.name,
        connectCluster: name,
        plugin: { name: "kafka-file", class: c.class },
        ...(c.state ? { state: c.state } : {}),
        config: c.config,
        ...(c.environments ? { environments: c.environments } : {}),
      }),
    );
  }
}

/** Plans `dir` with the library, counting requests. */
export async function plan(
  dir: string,
  opts: { env?: string; urls?: string[] } = {},
): Promise<DeploymentPlan> {
  const files = await loadDeploymentFiles([join(dir, "connectors")]);
  return planDeployment({
    files,
    ...(opts.env ? { env: opts.env } : {}),
    processEnv: process.env,
    baseDir: dir,
    client: { retry: { deadlineMs: 90_000 }, requestTimeoutMs: 30_000 },
  });
}

/** Plans then applies every cluster; returns the results and the client's request counts. */
export async function planAndApply(
  dir: string,
  opts: ApplyOptions & { env?: string } = {},
): Promise<{ results: ApplyResult[]; writes: number; plan: DeploymentPlan }> {
  const p = await plan(dir, opts.env ? { env: opts.env } : {});
  try {
    if (p.diagnostics.length > 0)
      throw new Error(`plan diagnostics:\n${p.diagnostics.map((d) => d.message).join("\n")}`);
    const results: ApplyResult[] = [];
    let writes = 0;
    for (const c of p.clusters) {
      const before = c.client.stats.writes;
      results.push(await applyPlan(c.client, c.plan, opts));
      writes += c.client.stats.writes - before;
    }
    return { results, writes, plan: p };
  } finally {
    await p.close();
  }
}

/** Runs the kiln CLI in-process in `cwd`. */
export function kiln(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runKiln(args, { cwd, env: process.env });
}

/** Tails of the workers' logs, to attach to a failure. */
export async function workerLogs(lines = 60): Promise<string> {
  const files = required("connectLogFiles").split(",");
  const tails = await Promise.all(
    files.map(
      async (f) =>
        `--- ${f}\n${(await readFile(f, "utf8").catch(() => "")).split("\n").slice(-lines).join("\n")}`,
    ),
  );
  return tails.join("\n");
}

/** Deletes connectors whose names start with `prefix` (cleanup between scenarios). */
export async function deleteAll(client: ConnectClient, prefix = ""): Promise<void> {
  const names = (await client.listNames()).filter((n) => n.startsWith(prefix));
  await Promise.all(names.map((n) => client.delete(n).catch(() => undefined)));
}

/** Waits for a condition; a timeout shows the workers' log tails. */
export function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  return poll(what, fn, { timeoutMs, describe: () => workerLogs(30) });
}
