import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type KafkaMirrorMaker2,
  type MirrorConnectorDocument,
  type RenderOptions,
  renderCluster,
} from "@kiln/clusters";
import { ConnectClient } from "@kiln/connectors";
import { type Cluster, loadSpec } from "@kiln/schemas";
import { runKiln } from "../harness/cli.js";
import { eventually as poll } from "../harness/eventually.js";

// JSON is YAML: documents written as JSON load through kiln's YAML loader.
const stringify = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** A Cluster definition as a user writes it, loaded (and schema-validated) the way kiln loads files. */
export function clusterSpec(doc: Record<string, unknown>): Cluster {
  return loadSpec(
    stringify({ apiVersion: "kiln.dev/v1", kind: "Cluster", ...doc }),
    `${String(doc.name)}.yaml`,
    "Cluster",
  ).value as Cluster;
}

/** The KafkaMirrorMaker2 kiln renders for a Cluster that is a replication target. */
export function renderedMirrorMaker(cluster: Cluster, options: RenderOptions = {}): KafkaMirrorMaker2 {
  const mm2 = renderCluster(cluster, options).items.find((i) => i.object.kind === "KafkaMirrorMaker2");
  if (!mm2) throw new Error(`${cluster.name} renders no KafkaMirrorMaker2 (is it a replication target?)`);
  return mm2.object as KafkaMirrorMaker2;
}

/** Short MirrorMaker 2 intervals so a suite sees topics, checkpoints and offset syncs within seconds. */
export const FAST_MM2 = {
  source: { "refresh.topics.interval.seconds": "2", "sync.topic.configs.interval.seconds": "2" },
  checkpoint: {
    "emit.checkpoints.interval.seconds": "1",
    "sync.group.offsets.interval.seconds": "1",
    "refresh.groups.interval.seconds": "2",
  },
  heartbeat: { "emit.heartbeats.interval.seconds": "1" },
};

export interface MirrorDeployment {
  /** The Connector files `kiln mirror-connectors` wrote, as loaded. */
  documents: MirrorConnectorDocument[];
  /** `kiln connectors apply` output. */
  applyOutput: string;
}

/** Runs the kiln CLI in-process in `cwd`; throws with its output unless it exits 0. */
export async function kiln(cwd: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runKiln(args, { cwd, env: process.env });
  if (code !== 0) throw new Error(`kiln ${args.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  return stdout;
}

/**
 * Deploys a replication target's MirrorMaker 2 connectors to a plain Connect worker the way a
 * user without Strimzi does: the Cluster file is written to `dir`, `kiln mirror-connectors`
 * translates its KafkaMirrorMaker2 into Connector files (loopback connections, short test
 * intervals), and `kiln connectors apply --wait` deploys them next to a ConnectTarget.
 */
export async function deployMirror(opts: {
  cluster: Cluster;
  connectUrl: string;
  connectCluster: string;
  connections: Record<string, string>;
  dir: string;
  heartbeats?: boolean;
}): Promise<MirrorDeployment> {
  const connectors = join(opts.dir, "connectors");
  await mkdir(connectors, { recursive: true });
  await writeFile(join(opts.dir, `${opts.cluster.name}.yaml`), stringify(opts.cluster));
  await writeFile(
    join(connectors, "_target.yaml"),
    stringify({
      apiVersion: "kiln.dev/v1",
      kind: "ConnectTarget",
      name: opts.connectCluster,
      urls: [opts.connectUrl],
    }),
  );
  const overrides = Object.entries(FAST_MM2).flatMap(([kind, settings]) =>
    Object.entries(settings).flatMap(([k, v]) => ["--override", `${kind}:${k}=${v}`]),
  );
  const written = JSON.parse(
    await kiln(
      opts.dir,
      "mirror-connectors",
      `${opts.cluster.name}.yaml`,
      "--connect-cluster",
      opts.connectCluster,
      "--out",
      "connectors",
      ...Object.entries(opts.connections).flatMap(([alias, bootstrap]) => [
        "--connection",
        `${alias}=${bootstrap}`,
      ]),
      ...overrides,
      ...(opts.heartbeats ? ["--heartbeats"] : []),
      "--json",
    ),
  ) as { files: string[] };
  const documents = await Promise.all(
    written.files.map(async (f) => {
      const text = await readFile(join(opts.dir, f), "utf8");
      return loadSpec(text, f, "Connector").value as MirrorConnectorDocument;
    }),
  );
  const applyOutput = await kiln(
    opts.dir,
    "connectors",
    "apply",
    "--dir",
    "connectors",
    "--wait",
    "--wait-timeout",
    "120",
  );
  return { documents, applyOutput };
}

/** Connector states on a worker, for failure messages. */
export async function connectorStates(url: string): Promise<string> {
  const client = new ConnectClient({ urls: [url] });
  try {
    return JSON.stringify(await client.listExpanded(), null, 1).slice(0, 4000);
  } finally {
    await client.close();
  }
}

/** Polls `fn` until it returns a value (not undefined) or the deadline passes. */
export function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  intervalMs = 1000,
): Promise<T> {
  return poll(what, fn, { timeoutMs, intervalMs });
}
