// One local cluster, secured as rendered: certificates issued as Strimzi's operators issue
// them, every node's properties from the Strimzi model, pod volumes and environment resolved
// from Secrets, KRaft nodes started on their own loopback addresses.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { GenericKafkaListener } from "@kiln/clusters";
import {
  brokerProperties,
  certificateNames,
  type KeystoreFormat,
  REPLICATION_PORT,
} from "@kiln/clusters/strimzi";
import {
  bcfksKeyStore,
  type JarSet,
  javaBin,
  javaFlags,
  portOpen,
  propertiesText,
  resolveKafkaJars,
  type ServiceProcess,
  startProcess,
  waitFor,
  writeLog4j2,
} from "@kiln/runtime";
import { LocalRuntimeError } from "./errors.js";
import { assertFree } from "./loopback.js";
import { type Ca, createCa, issue } from "./pki.js";
import { type ClusterPlan, LOCAL_ENVIRONMENT, type LocalNode } from "./plan.js";
import type { SecretStore } from "./secrets.js";

const run = promisify(execFile);

export interface ClusterFiles {
  dir: string;
  clusterCa: Ca;
  clientsCa: Ca;
  /** Keystores of Strimzi's components that talk to the brokers (user and topic operator). */
  /** Key stores (PEM) of Strimzi's components that are clients of the replication listener. */
  operators: { userOperator: string; topicOperator: string; kafkaExporter: string };
}

export interface RunningNode extends LocalNode {
  process: ServiceProcess;
  logFile: string;
}

export interface NodeRunOptions {
  hostsFile: string;
  classpath: string[];
  jvmArgs: string[];
  heap: string;
  timeoutMs: number;
  /** Log4j2 loggers at their own levels. */
  loggers: Record<string, string>;
  /** On a FIPS JVM: BouncyCastle FIPS, and the password of the BCFKS key stores (passed in the environment). */
  fips?: { jars: JarSet; password: string };
  /** The Prometheus JMX exporter agent jar, for JVMs whose resource has a metricsConfig. */
  jmxAgent?: string;
}

export const METRICS_PORT = 9404;

/** `-javaagent:` for the JMX exporter with `config` (the rendered ConfigMap's text), serving ip:9404 as Strimzi's pods do. */
async function jmxAgentArgs(
  opts: Pick<NodeRunOptions, "jmxAgent">,
  dir: string,
  ip: string,
  config: string | undefined,
): Promise<string[]> {
  if (!config || !opts.jmxAgent) return [];
  const file = join(dir, "metrics-config.yml");
  await writeFile(file, config);
  return [`-javaagent:${opts.jmxAgent}=${ip}:${METRICS_PORT}:${file}`];
}

/**
 * The arguments of a Kafka node's or Connect worker's JVM on `ip`, its files under `dir`: the JMX
 * exporter agent, the user's JVM flags and heap, log4j2 at the requested levels, host mappings
 * from the hosts file, then the class path, main class and its arguments.
 */
export async function jvmArgs(
  opts: NodeRunOptions,
  jvm: { dir: string; ip: string; metricsConfig: string | undefined; classpath: string; main: string[] },
): Promise<string[]> {
  const log4j = await writeLog4j2(jvm.dir, "INFO", opts.loggers);
  const agent = await jmxAgentArgs(opts, jvm.dir, jvm.ip, jvm.metricsConfig);
  return [
    ...agent,
    ...opts.jvmArgs,
    ...javaFlags(opts.heap),
    `-Dlog4j2.configurationFile=${log4j}`,
    `-Djdk.net.hosts.file=${opts.hostsFile}`,
    "-cp",
    jvm.classpath,
    ...jvm.main,
  ];
}

/** The environment variable a FIPS node or worker reads its key store password from (as Strimzi does: `${strimzienv:…}`). */
export const KEYSTORE_PASSWORD_ENV = "KILN_KEYSTORE_PASSWORD";

/** A key store for a certificate and key: the PEM file itself, or on a FIPS JVM a BCFKS store made from it. */
export async function keystoreFor(
  pem: { keystore: string; cert: string; key: string; chain?: string },
  opts: Pick<NodeRunOptions, "fips">,
): Promise<{ file: string; format: KeystoreFormat }> {
  if (!opts.fips) return { file: pem.keystore, format: { type: "PEM" } };
  const file = await bcfksKeyStore({
    jars: opts.fips.jars,
    certFile: pem.cert,
    keyFile: pem.key,
    ...(pem.chain ? { chainFile: pem.chain } : {}),
    out: pem.keystore.replace(/\.pem$/, ".bcfks"),
    password: opts.fips.password,
  });
  return { file, format: { type: "BCFKS", password: `\${strimzienv:${KEYSTORE_PASSWORD_ENV}}` } };
}

/** CAs and certificates: the cluster CA signs nodes and Strimzi's components, the clients CA users. */
export async function issueClusterCertificates(
  plan: ClusterPlan,
  dir: string,
  store: SecretStore,
): Promise<ClusterFiles> {
  const pki = join(dir, "pki");
  const [clusterCa, clientsCa] = await Promise.all([
    createCa(pki, "cluster-ca", "cluster-ca v0"),
    createCa(pki, "clients-ca", "clients-ca v0"),
  ]);
  await store.putFile(`${plan.name}-cluster-ca-cert`, "ca.crt", clusterCa.cert);
  await store.putFile(`${plan.name}-clients-ca-cert`, "ca.crt", clientsCa.cert);
  let serial = 1;
  const component = (name: string) =>
    issue(pki, clusterCa, { name, cn: `${plan.name}-${name}`, o: "io.strimzi", serial: serial++ });
  const [uo, to, ke] = await Promise.all([
    component("entity-user-operator"),
    component("entity-topic-operator"),
    component("kafka-exporter"),
  ]);
  await Promise.all(
    plan.nodes.map((n) =>
      issue(join(dir, "nodes", n.podName), clusterCa, {
        name: "node",
        cn: `${plan.name}-kafka`,
        o: "io.strimzi",
        dnsNames: certificateNames(plan.kafka, n, plan.nodes, LOCAL_ENVIRONMENT),
        serial: 100 + n.nodeId,
      }),
    ),
  );
  return {
    dir,
    clusterCa,
    clientsCa,
    operators: { userOperator: uo.keystore, topicOperator: to.keystore, kafkaExporter: ke.keystore },
  };
}

/**
 * The Secret volumes mounted into a node's Kafka container, resolved as the kubelet would:
 * Strimzi uses the pool's `template.pod` when it has one, else the Kafka-level one; a mount
 * whose volume is not in that template makes the pod invalid.
 */
function mounts(
  plan: ClusterPlan,
  node: LocalNode,
): { name: string; mountPath: string; secretName: string }[] {
  const kafkaTemplate = plan.kafka.spec.kafka.template;
  const pool = plan.pools.find((p) => p.metadata.name === node.pool);
  const pod = pool?.spec.template?.pod ?? kafkaTemplate?.pod;
  return (kafkaTemplate?.kafkaContainer?.volumeMounts ?? []).map((m) => {
    const volume = pod?.volumes?.find((v) => v.name === m.name);
    if (!volume)
      throw new LocalRuntimeError(
        `pod ${node.podName} would be invalid: its Kafka container mounts volume ${m.name} at ${m.mountPath}, but node pool ${node.pool}'s pod template has no such volume (a pool's template.pod replaces spec.kafka.template.pod)`,
      );
    return { name: m.name, mountPath: m.mountPath, secretName: volume.secret.secretName };
  });
}

/** The Kafka container's environment: literals and Secret keys. */
async function containerEnv(
  plan: ClusterPlan,
  store: SecretStore,
  node: LocalNode,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of plan.kafka.spec.kafka.template?.kafkaContainer?.env ?? []) {
    if ("value" in e) env[e.name] = e.value;
    else
      env[e.name] = (
        await store.read(
          e.valueFrom.secretKeyRef.name,
          e.valueFrom.secretKeyRef.key,
          `pod ${node.podName} (env ${e.name})`,
        )
      ).trim();
  }
  return env;
}

/** The key store of a listener that serves its own certificate from a Secret. */
async function listenerKeystore(
  store: SecretStore,
  dir: string,
  l: GenericKafkaListener,
  opts: NodeRunOptions,
): Promise<string> {
  const s = l.configuration?.brokerCertChainAndKey;
  if (!s) throw new LocalRuntimeError(`listener ${l.name} has no certificate Secret`);
  const usedBy = `listener ${l.name}`;
  const [key, cert] = [
    store.path(s.secretName, s.key, usedBy),
    store.path(s.secretName, s.certificate, usedBy),
  ];
  const file = join(dir, `listener-${l.name}.pem`);
  const pem = `${(await readFile(key, "utf8")).trimEnd()}\n${(await readFile(cert, "utf8")).trimEnd()}\n`;
  await writeFile(file, pem, { mode: 0o600 });
  return (await keystoreFor({ keystore: file, cert, key }, opts)).file;
}

/** Writes a node's properties and formats its storage, as Strimzi's pod start-up does. */
export async function prepareNode(
  plan: ClusterPlan,
  files: ClusterFiles,
  store: SecretStore,
  node: LocalNode,
  clusterId: string,
  opts: NodeRunOptions,
): Promise<{ propsFile: string; env: Record<string, string>; dir: string }> {
  const dir = join(files.dir, "nodes", node.podName);
  await mkdir(join(dir, "data"), { recursive: true });
  const ownCerts = new Map<string, string>();
  for (const l of plan.kafka.spec.kafka.listeners)
    if (l.configuration?.brokerCertChainAndKey)
      ownCerts.set(l.name, await listenerKeystore(store, dir, l, opts));
  const keystore = await keystoreFor(
    {
      keystore: join(dir, "node.pem"),
      cert: join(dir, "node.crt"),
      key: join(dir, "node.key"),
      chain: files.clusterCa.cert,
    },
    opts,
  );
  const props = brokerProperties(plan.kafka, node, plan.nodes, {
    bindAddress: (n) => plan.nodes.find((x) => x.nodeId === n.nodeId)?.ip ?? "127.0.0.1",
    env: LOCAL_ENVIRONMENT,
    files: () => ({
      keystore: keystore.file,
      keystoreFormat: keystore.format,
      clusterCaCert: files.clusterCa.cert,
      clientsCaCert: files.clientsCa.cert,
      listenerKeystore: (l) => ownCerts.get(l.name) as string,
      logDir: join(dir, "data"),
    }),
    overrides: {
      ...plan.overrides,
      // Local runs only: a consumer group is served at once instead of after 3 s.
      "group.initial.rebalance.delay.ms": "0",
    },
  });
  // Secret volumes: each mount path stands for a directory holding the Secret's keys.
  for (const m of mounts(plan, node)) {
    const local = join(dir, "mounts", m.name);
    await cp(store.directory(m.secretName, `pod ${node.podName} (volume ${m.name})`), local, {
      recursive: true,
    });
    for (const [k, v] of Object.entries(props))
      if (v.includes(m.mountPath)) props[k] = v.replaceAll(m.mountPath, local);
  }
  const propsFile = join(dir, "server.properties");
  await writeFile(propsFile, propertiesText(props), { mode: 0o600 });
  const env = {
    ...(await containerEnv(plan, store, node)),
    ...(opts.fips ? { [KEYSTORE_PASSWORD_ENV]: opts.fips.password } : {}),
  };
  const jars = await resolveKafkaJars(plan.version);
  try {
    await run(
      javaBin(),
      [
        ...opts.jvmArgs,
        ...javaFlags("256m"),
        `-Djdk.net.hosts.file=${opts.hostsFile}`,
        "-cp",
        [`${jars.libDir}/*`, ...opts.classpath].join(":"),
        "kafka.tools.StorageTool",
        "format",
        "-t",
        clusterId,
        "-c",
        propsFile,
        "--release-version",
        plan.metadataVersion,
      ],
      { env: { ...process.env, ...env }, maxBuffer: 8 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new LocalRuntimeError(
      `formatting ${node.podName}'s storage failed (metadataVersion ${plan.metadataVersion}, Kafka ${plan.version}):\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      { cause: err },
    );
  }
  return { propsFile, env, dir };
}

export async function startNode(
  plan: ClusterPlan,
  node: LocalNode,
  prepared: { propsFile: string; env: Record<string, string>; dir: string },
  opts: NodeRunOptions,
): Promise<RunningNode> {
  const jars = await resolveKafkaJars(plan.version);
  await assertFree(node.ip, node.controller ? 9090 : REPLICATION_PORT, node.podName);
  const args = await jvmArgs(opts, {
    dir: prepared.dir,
    ip: node.ip,
    metricsConfig: plan.metricsConfig,
    classpath: [`${jars.libDir}/*`, ...opts.classpath].join(":"),
    main: ["kafka.Kafka", prepared.propsFile],
  });
  const proc = await startProcess(node.podName, javaBin(), args, { logDir: prepared.dir, env: prepared.env });
  return { ...node, process: proc, logFile: proc.logFile };
}

/** Until the node listens and has logged that it started; a node that stops says why, from its log. */
export async function awaitNode(node: RunningNode, timeoutMs: number): Promise<void> {
  const port = node.broker ? REPLICATION_PORT : 9090;
  try {
    await waitFor(`${node.podName} on ${node.ip}:${port}`, () => portOpen(port, node.ip), {
      timeoutMs,
      service: node.process,
    });
    await waitFor(
      `${node.podName} start-up`,
      async () => (await node.process.tail(100_000)).includes("Kafka Server started"),
      { timeoutMs, service: node.process, intervalMs: 500 },
    );
  } catch (err) {
    const errors = (await node.process.tail(100_000))
      .split("\n")
      .filter((l) => / ERROR |^Caused by: /.test(l))
      .slice(0, 6);
    throw new LocalRuntimeError(
      `${node.podName} did not start${node.process.child.exitCode !== null ? ` (exit ${node.process.child.exitCode})` : ""}; from ${node.logFile}:\n  ${errors.join("\n  ") || String((err as Error).message)}`,
      { cause: err },
    );
  }
}

/** A random password of `length` letters and digits, as the User Operator generates them. */
export function scramPassword(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(length * 2);
  let out = "";
  for (const b of bytes) {
    if (b >= 248) continue; // 248 = 4 × 62: keeps the draw uniform
    out += alphabet[b % 62];
    if (out.length === length) break;
  }
  return out.length === length ? out : scramPassword(length);
}
