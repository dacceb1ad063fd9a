import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ClusterConnection,
  type KafkaMirrorMaker2,
  type MirrorConnectorDocument,
  mirrorConnectorDocuments,
  type RenderOptions,
  renderCluster,
} from "@kiln/clusters";
import {
  type ApplyResult,
  applyPlan,
  ConnectClient,
  loadDeploymentFiles,
  planDeployment,
} from "@kiln/connectors";
import { type Cluster, loadSpec } from "@kiln/schemas";

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
  documents: MirrorConnectorDocument[];
  results: ApplyResult[];
}

/**
 * Deploys the MirrorMaker 2 connectors of `mm2` to a plain Connect worker through kiln's REST
 * deployment: the translated Connector documents and a ConnectTarget are written as files,
 * loaded, planned (Connect validates every config) and applied, waiting until they run.
 */
export async function deployMirror(opts: {
  mm2: KafkaMirrorMaker2;
  connectUrl: string;
  connectCluster: string;
  connections: Record<string, ClusterConnection>;
  dir: string;
  heartbeats?: boolean;
}): Promise<MirrorDeployment> {
  const documents = mirrorConnectorDocuments(opts.mm2, {
    secretsNamespace: opts.mm2.metadata.namespace ?? "kafka",
    connectCluster: opts.connectCluster,
    connections: opts.connections,
    overrides: FAST_MM2,
    heartbeats: opts.heartbeats ?? false,
  });
  const dir = join(opts.dir, "connectors");
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "_target.yaml"),
    stringify({
      apiVersion: "kiln.dev/v1",
      kind: "ConnectTarget",
      name: opts.connectCluster,
      urls: [opts.connectUrl],
    }),
  );
  for (const d of documents) await writeFile(join(dir, `${d.name}.yaml`), stringify(d));
  const files = await loadDeploymentFiles([dir]);
  const plan = await planDeployment({
    files,
    processEnv: process.env,
    baseDir: opts.dir,
    client: { retry: { deadlineMs: 90_000 }, requestTimeoutMs: 30_000 },
  });
  try {
    if (plan.diagnostics.length > 0)
      throw new Error(`plan diagnostics:\n${plan.diagnostics.map((d) => d.message).join("\n")}`);
    const results: ApplyResult[] = [];
    for (const c of plan.clusters)
      results.push(await applyPlan(c.client, c.plan, { wait: true, waitTimeoutMs: 120_000 }));
    const failed = results.flatMap((r) => r.failed);
    if (failed.length > 0) throw new Error(`apply failed: ${JSON.stringify(failed)}`);
    return { documents, results };
  } finally {
    await plan.close();
  }
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
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}
