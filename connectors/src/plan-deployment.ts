import type { ConnectorPlugin, ConnectTarget, Diagnostic } from "@kiln/schemas";
import { KilnError } from "@kiln/schemas";
import { DEFAULT_CONCURRENCY } from "./applier.js";
import { type ClusterChecks, checkCluster, inventoryWorkers } from "./checks.js";
import { ConnectClient, type ConnectClientOptions } from "./client.js";
import { ConnectorDefinitionError, type DesiredConnector, resolveConnector } from "./desired.js";
import { ConnectNotFoundError } from "./errors.js";
import { clientOptionsFor, type DeploymentFiles, ownershipOf } from "./files.js";
import { type LiveConnector, liveFromExpanded, type Ownership, type Plan, planCluster } from "./planner.js";

export interface ClusterPlan {
  target: ConnectTarget;
  ownership: Ownership;
  client: ConnectClient;
  desired: DesiredConnector[];
  plan: Plan;
  checks: ClusterChecks;
  /** Kafka version of the first worker. */
  version: string;
}

export interface PlanDeploymentOptions {
  files: DeploymentFiles;
  env?: string;
  /** Only these Connect targets (default: all). */
  clusters?: string[];
  catalog?: { get(name: string): ConnectorPlugin | undefined };
  processEnv: NodeJS.ProcessEnv;
  /** TLS files are relative to this directory. */
  baseDir: string;
  /**
   * Connect-side validation of created and changed configs while planning (default true);
   * apply turns it off: Connect validates each config as it is written, and a refused one again
   * on its own for located findings.
   */
  validate?: boolean;
  /** Client tuning (retries, timeouts, request hook) merged into each target's options. */
  client?: Partial<ConnectClientOptions>;
}

export interface DeploymentPlan {
  clusters: ClusterPlan[];
  /** Findings that block applying (bad definitions, missing plugins, literal secrets, invalid configs). */
  diagnostics: Diagnostic[];
  close(): Promise<void>;
}

export class PlanError extends KilnError {}

/** Resolves the definitions for `env`, reads every selected target's live state and plans it. */
export async function planDeployment(opts: PlanDeploymentOptions): Promise<DeploymentPlan> {
  const diagnostics: Diagnostic[] = [];
  const desired: DesiredConnector[] = [];
  for (const { doc, location } of opts.files.connectors) {
    try {
      desired.push(
        resolveConnector(doc, {
          location,
          ...(opts.env ? { env: opts.env } : {}),
          ...(opts.catalog ? { catalog: opts.catalog } : {}),
        }),
      );
    } catch (err) {
      if (!(err instanceof ConnectorDefinitionError)) throw err;
      diagnostics.push({
        severity: "error",
        code: "connector-definition",
        message: `${doc.name}: ${err.userMessage}`,
        location: err.location ?? location,
      });
    }
  }
  // One name per cluster: a second file with the same name would silently replace the first.
  const byKey = new Map<string, DesiredConnector>();
  for (const d of [...desired]) {
    const key = `${d.cluster}/${d.name}`;
    const first = byKey.get(key);
    if (!first) {
      byKey.set(key, d);
      continue;
    }
    desired.splice(desired.indexOf(d), 1);
    diagnostics.push({
      severity: "error",
      code: "duplicate-connector",
      message: `${d.name}: declared twice for Connect cluster ${d.cluster} (also in ${first.location.file ?? "another file"})`,
      location: { ...d.location, path: "name" },
    });
  }
  const known = new Set(opts.files.targets.map((t) => t.target.name));
  for (const d of desired) {
    if (!known.has(d.cluster)) {
      diagnostics.push({
        severity: "error",
        code: "unknown-connect-cluster",
        message: `${d.name}: no ConnectTarget named ${d.cluster} (known: ${[...known].join(", ") || "none"})`,
        location: { ...d.location, path: "connectCluster" },
      });
    }
  }
  const selected = opts.files.targets.filter((t) => !opts.clusters || opts.clusters.includes(t.target.name));
  if (opts.clusters) {
    for (const c of opts.clusters) {
      if (!known.has(c))
        throw new PlanError(`no ConnectTarget named ${c} (known: ${[...known].join(", ") || "none"})`);
    }
  }
  const clusters: ClusterPlan[] = [];
  const close = async () => {
    await Promise.allSettled(clusters.map((c) => c.client.close()));
  };
  try {
    await Promise.all(
      selected.map(async ({ target }) => {
        const options = await clientOptionsFor(target, {
          ...(opts.env ? { env: opts.env } : {}),
          processEnv: opts.processEnv,
          baseDir: opts.baseDir,
        });
        const client = new ConnectClient({ ...opts.client, ...options });
        const mine = desired.filter((d) => d.cluster === target.name);
        const ownership = ownershipOf(target);
        // Live state and what the workers offer are independent reads: both at once.
        const [live, workers] = await Promise.all([readLive(client), inventoryWorkers(client)]);
        const plan = planCluster(target.name, mine, live, ownership);
        const checks = await checkCluster(client, mine, plan, {
          workers,
          validate: opts.validate ?? true,
          // Validation is CPU work on the worker, not a queued write: a lower bound than apply's.
          concurrency: Math.min(target.concurrency ?? DEFAULT_CONCURRENCY, 16),
        });
        clusters.push({
          target,
          ownership,
          client,
          desired: mine,
          plan,
          checks,
          version: checks.workers[0]?.version ?? "",
        });
      }),
    );
  } catch (err) {
    await close();
    throw err;
  }
  clusters.sort((a, b) => a.target.name.localeCompare(b.target.name));
  for (const c of clusters) diagnostics.push(...c.checks.diagnostics);
  return { clusters, diagnostics, close };
}

/**
 * Live connectors of a cluster. `GET /connectors?expand=…` leaves out a connector whose status
 * is not written yet (just created): those are read one by one, so a fresh connector is never
 * planned as a create.
 */
export async function readLive(client: ConnectClient): Promise<Map<string, LiveConnector>> {
  const [expanded, names] = await Promise.all([client.listExpanded(), client.listNames()]);
  const live = liveFromExpanded(expanded);
  for (const name of names) {
    if (live.has(name)) continue;
    let config: Record<string, string>;
    try {
      config = await client.getConfig(name);
    } catch (err) {
      if (err instanceof ConnectNotFoundError) continue; // deleted meanwhile
      throw err;
    }
    const status = await client.status(name).catch((err: unknown) => {
      if (err instanceof ConnectNotFoundError) return undefined;
      throw err;
    });
    live.set(name, {
      name,
      config,
      state: status?.connector.state,
      tasks: status?.tasks ?? [],
    });
  }
  return live;
}

/** PASSWORD keys across every planned cluster, by connector class. */
export function passwordKeysLookup(plan: DeploymentPlan): (cls: string) => ReadonlySet<string> {
  return (cls) => {
    const out = new Set<string>();
    for (const c of plan.clusters) for (const k of c.checks.passwordKeys.get(cls) ?? []) out.add(k);
    return out;
  };
}
