// `kiln up` / `kiln down`: one or more rendered clusters on loopback under one state directory,
// sharing one JDK hosts file so each cluster's clients (MirrorMaker 2 among them) resolve the
// others' names. The processes outlive the command; `down` stops them by the pids in state.json.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type RenderedObject, renderCluster } from "@kiln/clusters";
import {
  BC_FIPS_JARS,
  fipsJvm,
  type JarSetSpec,
  JMX_EXPORTER_JARS,
  OPA_AUTHORIZER_JARS,
  resolveJarSet,
  STRIMZI_OAUTH_JARS,
  stopProcessGroup,
} from "@kiln/runtime";
import type { Cluster } from "@kiln/schemas";
import {
  awaitNode,
  type ClusterFiles,
  issueClusterCertificates,
  METRICS_PORT,
  type NodeRunOptions,
  prepareNode,
  type RunningNode,
  startNode,
} from "./cluster.js";
import {
  copyPeerSecrets,
  createConnectorResources,
  type RegistryAccess,
  type RunningConnect,
  startConnect,
} from "./connect.js";
import { LocalRuntimeError } from "./errors.js";
import { type HostEntry, hostsFileText, loopbackBlock } from "./loopback.js";
import { type ClusterPlan, type LocalListener, planCluster, type Scale } from "./plan.js";
import { SecretStore } from "./secrets.js";
import { applyUsers, type LocalUser, operatorConfig } from "./users.js";

export interface UpOptions {
  stateDir: string;
  clusters: { cluster: Cluster; file: string }[];
  /** At most this many replicas per node pool and Connect cluster (a 2-core machine runs a scaled-down cluster). */
  scale?: Scale;
  /** User-provided Secrets, `<dir>/<namespace>/<secret>/<key>`. */
  secretsDir?: string;
  /** Names of services outside the clusters the nodes must reach (an authorization server, OPA), with their loopback addresses. */
  hosts?: HostEntry[];
  /** Baked Connect images by Connect cluster name (`repo@sha256:…`), as for `kiln render --image`. */
  images?: Record<string, string>;
  registry?: RegistryAccess;
  /** Extra jars or directories on every node's classpath (custom authenticators, authorizers, OAuth). */
  classpath?: string[];
  jvmArgs?: string[];
  heap?: string;
  /** Log every authorization decision with the rule that decided it (Kafka's authorizer logger at DEBUG). */
  auditLog?: boolean;
  /** Log4j2 loggers at their own levels on every node and worker, e.g. `{ "org.apache.kafka.common.config.AbstractConfig": "INFO" }`. */
  loggers?: Record<string, string>;
  timeoutMs?: number;
  progress?: (line: string) => void;
}

export interface LocalCluster {
  name: string;
  namespace: string;
  file: string;
  nodes: {
    nodeId: number;
    podName: string;
    ip: string;
    roles: string[];
    zone?: string;
    logFile: string;
    /** The node's process group (stop one node, e.g. a broker that left its pool, with its id). */
    pid: number;
  }[];
  listeners: LocalListener[];
  users: LocalUser[];
  /** Connect clusters (KafkaConnect, and the Connect cluster of each KafkaMirrorMaker2) with their REST URLs. */
  connect: {
    kind: string;
    name: string;
    urls: string[];
    workers: { podName: string; ip: string; logFile: string }[];
    /** `<ip>:9404` of each worker's JMX exporter, when metrics are on. */
    metrics: string[];
  }[];
  /** `<ip>:9404` of each node's JMX exporter, when metrics are on (what the PodMonitors select). */
  metrics: string[];
  /** Connect clusters not started, and why. */
  skipped: string[];
  /** Client properties of Strimzi's topic operator: a super-user that creates topics as KafkaTopics would. */
  topicOperatorConfig: string;
  /** Client properties of Strimzi's Kafka Exporter (its own identity on the replication listener), when the cluster has one. */
  kafkaExporterConfig?: string;
  clusterCaCert: string;
  clientsCaCert: string;
  secretsDir: string;
}

export interface LocalEnvironment {
  stateDir: string;
  /** Pass `-Djdk.net.hosts.file=<hostsFile>` to every JVM client so cluster names resolve. */
  hostsFile: string;
  clusters: LocalCluster[];
}

interface State extends LocalEnvironment {
  /**
   * Process group leaders by the order they stop in: Connect workers (0) while brokers answer,
   * brokers (1) while a controller answers, controllers (2).
   */
  pids: { pid: number; tier: 0 | 1 | 2; cluster: string }[];
}

const stateFile = (dir: string) => join(dir, "state.json");

/** The libraries a plan may need, as Strimzi's image (OAuth) or an OPA image (the authorizer) carries them. */
const LIBRARIES: Record<ClusterPlan["libraries"][number], JarSetSpec> = {
  "strimzi-oauth": STRIMZI_OAUTH_JARS,
  "opa-authorizer": OPA_AUTHORIZER_JARS,
};

export async function readState(stateDir: string): Promise<State | undefined> {
  const file = stateFile(resolve(stateDir));
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, "utf8")) as State;
  } catch (err) {
    throw new LocalRuntimeError(`${file} is not a kiln state file: remove the directory by hand`, {
      cause: err,
    });
  }
}

function render(cluster: Cluster, file: string, images: Record<string, string>): RenderedObject[] {
  return renderCluster(cluster, {
    file,
    images: Object.fromEntries(
      Object.entries(images).filter(([n]) => cluster.connect?.some((c) => c.name === n)),
    ),
  }).items.map((i) => i.object);
}

export async function up(opts: UpOptions): Promise<LocalEnvironment> {
  const stateDir = resolve(opts.stateDir);
  if (await readState(stateDir))
    throw new LocalRuntimeError(`${stateDir} already holds a running environment: run \`kiln down\` first`);
  const names = opts.clusters.map((c) => c.cluster.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new LocalRuntimeError(`cluster ${dup} is named twice`);
  const progress = opts.progress ?? (() => {});
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const run = {
    hostsFile: join(stateDir, "hosts"),
    classpath: (opts.classpath ?? []).map((p) => resolve(p)),
    jvmArgs: opts.jvmArgs ?? [],
    heap: opts.heap ?? "256m",
    timeoutMs,
    loggers: { ...opts.loggers, ...(opts.auditLog ? { "kafka.authorizer.logger": "DEBUG" } : {}) },
  };
  await mkdir(stateDir, { recursive: true, mode: 0o700 });

  const plans = opts.clusters.map(({ cluster, file }, i) => ({
    file,
    plan: planCluster(render(cluster, file, opts.images ?? {}), {
      block: loopbackBlock(stateDir, i),
      scale: opts.scale,
      fips: cluster.fips ?? false,
    }),
  }));
  const scalable = new Set(
    plans.flatMap(({ plan }, i) => [
      ...(opts.clusters[i]?.cluster.nodePools ?? []).map((p) => p.name),
      ...plan.connect.map((c) => c.name),
    ]),
  );
  const unknown = Object.keys(opts.scale?.byName ?? {}).filter((n) => !scalable.has(n));
  if (unknown.length > 0)
    throw new LocalRuntimeError(
      `--scale names ${unknown.join(", ")}, which is no node pool or Connect cluster of these clusters (${[...scalable].join(", ")})`,
    );
  await writeFile(
    run.hostsFile,
    hostsFileText([...plans.flatMap((p) => p.plan.hosts), ...(opts.hosts ?? [])]),
  );

  // What each cluster's JVMs need beyond Kafka: Strimzi's OAuth or the OPA authorizer on the
  // classpath, BouncyCastle FIPS as the only provider (its key stores BCFKS, their password in the environment).
  const fipsJars = plans.some((p) => p.plan.fips) ? await resolveJarSet(BC_FIPS_JARS) : undefined;
  const fips = fipsJars && {
    jars: fipsJars,
    password: randomBytes(24).toString("base64url"),
    vm: await fipsJvm({ dir: join(stateDir, "fips"), jars: fipsJars }),
  };
  const jmxAgent = plans.some((p) => p.plan.metricsConfig || p.plan.connect.some((c) => c.metricsConfig))
    ? (await resolveJarSet(JMX_EXPORTER_JARS)).files.find((f) => f.endsWith(".jar"))
    : undefined;
  const runFor = async (plan: ClusterPlan): Promise<NodeRunOptions> => ({
    ...run,
    ...(jmxAgent ? { jmxAgent } : {}),
    classpath: [
      ...run.classpath,
      ...(await Promise.all(plan.libraries.map((l) => resolveJarSet(LIBRARIES[l])))).flatMap((s) => s.files),
    ],
    jvmArgs: [...run.jvmArgs, ...(plan.fips && fips ? fips.vm.jvmArgs : [])],
    ...(plan.fips && fips ? { fips: { jars: fips.jars, password: fips.password } } : {}),
  });

  const started: RunningNode[] = [];
  const connects: RunningConnect[] = [];
  const state: State = { stateDir, hostsFile: run.hostsFile, clusters: [], pids: [] };
  const save = () => writeFile(stateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  try {
    const prepared = await Promise.all(
      plans.map(async ({ plan, file }) => {
        const dir = join(stateDir, "clusters", plan.name);
        const store = await SecretStore.create(
          join(dir, "secrets"),
          plan.namespace,
          opts.secretsDir && resolve(opts.secretsDir),
        );
        progress(`${plan.name}: issuing certificates for ${plan.nodes.length} nodes`);
        const files = await issueClusterCertificates(plan, dir, store);
        const clusterId = randomBytes(16).toString("base64url").replace(/^-/, "A");
        const runOpts = await runFor(plan);
        const nodes = await Promise.all(
          plan.nodes.map((n) => prepareNode(plan, files, store, n, clusterId, runOpts)),
        );
        return { plan, file, dir, store, files, nodes, runOpts };
      }),
    );
    for (const c of prepared)
      for (const [i, n] of c.plan.nodes.entries()) {
        const node = await startNode(c.plan, n, c.nodes[i] as (typeof c.nodes)[number], c.runOpts);
        started.push(node);
        state.pids.push({
          pid: node.process.child.pid as number,
          tier: node.broker ? 1 : 2,
          cluster: c.plan.name,
        });
      }
    await save();
    progress(`starting ${started.length} nodes`);
    await Promise.all(started.map((n) => awaitNode(n, timeoutMs)));
    const users = new Map<string, LocalUser[]>();
    for (const c of prepared) {
      progress(`${c.plan.name}: creating ${c.plan.users.length} users`);
      users.set(
        c.plan.name,
        await applyUsers(c.plan, c.files, c.store, { hostsFile: run.hostsFile, timeoutMs }),
      );
    }
    for (const c of prepared) {
      const running: RunningConnect[] = [];
      const skipped: string[] = [];
      if (c.plan.kafka.spec.cruiseControl)
        skipped.push(
          "Cruise Control: kiln up runs the Kafka nodes, users and Connect only; move partitions with Kafka's reassignment tool (kafka-reassign-partitions) as the topic operator's user",
        );
      for (const cp of c.plan.connect) {
        if (cp.kind === "KafkaMirrorMaker2") {
          // The runbook's first steps: the source's CA and read-only user, copied beside the target.
          const peer = prepared.find((p) => cp.name.startsWith(`${p.plan.name}-to-`) && p !== c);
          if (peer)
            await copyPeerSecrets(c.store, peer.store, [
              `${peer.plan.name}-cluster-ca-cert`,
              `${cp.name}-mm2-source`,
            ]);
        } else if (cp.image && !cp.image.includes("@sha256:")) {
          skipped.push(
            `${cp.kind} ${cp.name}: runs ${cp.image}; pass its baked image with --image ${cp.name}=<repository>@sha256:…`,
          );
          continue;
        }
        progress(`${c.plan.name}: starting ${cp.kind} ${cp.name} (${cp.workers.length} workers)`);
        const r = await startConnect(c.plan, cp, c.store, {
          dir: c.dir,
          ...c.runOpts,
          heap: opts.heap ?? "384m",
          timeoutMs,
          registry: opts.registry ?? {},
        });
        running.push(r);
        const created = await createConnectorResources(r);
        if (created.length > 0)
          progress(`${c.plan.name}: created KafkaConnectors ${created.join(", ")} on ${cp.name}`);
        for (const w of r.workers)
          state.pids.push({ pid: w.process.child.pid as number, tier: 0, cluster: c.plan.name });
        connects.push(r);
      }
      state.clusters.push(
        await describe(
          c.plan,
          c.file,
          c.dir,
          c.files,
          users.get(c.plan.name) ?? [],
          started,
          running,
          skipped,
        ),
      );
    }
    await save();
    for (const n of started) n.process.release();
    for (const r of connects) for (const w of r.workers) w.process.release();
    return { stateDir, hostsFile: run.hostsFile, clusters: state.clusters };
  } catch (err) {
    await Promise.all(connects.flatMap((r) => r.workers.map((w) => w.process.stop())));
    await Promise.all(started.filter((n) => n.broker).map((n) => n.process.stop()));
    await Promise.all(started.filter((n) => !n.broker).map((n) => n.process.stop()));
    await rm(stateFile(stateDir), { force: true });
    throw err;
  }
}

async function describe(
  plan: ClusterPlan,
  file: string,
  dir: string,
  files: ClusterFiles,
  users: LocalUser[],
  started: RunningNode[],
  connect: RunningConnect[],
  skipped: string[],
): Promise<LocalCluster> {
  return {
    name: plan.name,
    namespace: plan.namespace,
    file,
    nodes: plan.nodes.map((n) => ({
      nodeId: n.nodeId,
      podName: n.podName,
      ip: n.ip,
      roles: [...(n.controller ? ["controller"] : []), ...(n.broker ? ["broker"] : [])],
      ...(n.zone ? { zone: n.zone } : {}),
      logFile: started.find((s) => s.podName === n.podName)?.logFile ?? "",
      pid: started.find((s) => s.podName === n.podName)?.process.child.pid ?? 0,
    })),
    listeners: plan.listeners,
    users,
    connect: connect.map((r) => ({
      kind: r.plan.kind,
      name: r.plan.name,
      urls: r.urls,
      workers: r.workers.map((w) => ({ podName: w.podName, ip: w.ip, logFile: w.logFile })),
      metrics: r.plan.metricsConfig ? r.workers.map((w) => `${w.ip}:${METRICS_PORT}`) : [],
    })),
    metrics: plan.metricsConfig ? plan.nodes.map((n) => `${n.ip}:${METRICS_PORT}`) : [],
    skipped,
    topicOperatorConfig: await operatorConfig(
      plan,
      files,
      files.operators.topicOperator,
      join(dir, "topic-operator.properties"),
    ),
    ...(plan.kafka.spec.kafkaExporter
      ? {
          kafkaExporterConfig: await operatorConfig(
            plan,
            files,
            files.operators.kafkaExporter,
            join(dir, "kafka-exporter.properties"),
          ),
        }
      : {}),
    clusterCaCert: files.clusterCa.cert,
    clientsCaCert: files.clientsCa.cert,
    secretsDir: join(dir, "secrets"),
  };
}

/**
 * Stops every process of the environment and, unless `keep`, removes its directory. With
 * `clusters`, stops only theirs (a region lost in a DR drill) and keeps the rest running.
 */
export async function down(
  stateDir: string,
  opts: { keep?: boolean; clusters?: string[] } = {},
): Promise<{ stopped: number }> {
  const dir = resolve(stateDir);
  const state = await readState(dir);
  if (!state) return { stopped: 0 };
  const unknown = (opts.clusters ?? []).filter((c) => !state.clusters.some((x) => x.name === c));
  if (unknown.length > 0)
    throw new LocalRuntimeError(
      `${dir} runs no cluster ${unknown.join(", ")} (it runs ${state.clusters.map((c) => c.name).join(", ")})`,
    );
  const chosen = state.pids.filter((p) => !opts.clusters || opts.clusters.includes(p.cluster));
  for (const tier of [0, 1, 2])
    await Promise.all(chosen.filter((p) => p.tier === tier).map((p) => stopProcessGroup(p.pid)));
  if (opts.clusters && chosen.length < state.pids.length) {
    state.pids = state.pids.filter((p) => !chosen.includes(p));
    await writeFile(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  } else if (opts.keep) await rm(stateFile(dir), { force: true });
  else await rm(dir, { recursive: true, force: true });
  return { stopped: chosen.length };
}
