// The plan of one local cluster, derived from the objects kiln renders for it — not from the
// Cluster file — so a local run proves what Strimzi would be given. Pure.
import type {
  ConfigMap,
  Kafka,
  KafkaConnect,
  KafkaConnector,
  KafkaMirrorMaker2,
  KafkaNodePool,
  KafkaUser,
  MetricsConfig,
  RenderedObject,
} from "@kiln/clusters";
import type { ConnectWorkerSpec } from "@kiln/clusters/strimzi";
import {
  type Environment,
  listenerAddresses,
  type NodeRef,
  nodeRefs,
  podDnsName,
  type ServiceEntry,
  serviceEntries,
  type UserModel,
  userModel,
} from "@kiln/clusters/strimzi";
import { LocalRuntimeError } from "./errors.js";
import type { HostEntry } from "./loopback.js";

/** External addresses in a local run: names under `kiln.test` (RFC 2606) that resolve to loopback. */
export const LOCAL_ENVIRONMENT: Environment = {
  loadBalancerAddress: (service, namespace) => `${service}.${namespace}.lb.kiln.test`,
  nodeAddress: (node) => `${node.podName}.node.kiln.test`,
  routeHost: (route, namespace) => `${route}-${namespace}.apps.kiln.test`,
};

export interface LocalNode extends NodeRef {
  ip: string;
}

export interface LocalListener {
  name: string;
  port: number;
  tls: boolean;
  /** tls, scram-sha-512, custom (OAuth is custom), or none. */
  authentication: string;
  bootstrap: string;
  securityProtocol: string;
  ownCertificate?: { secretName: string; certificate: string; key: string };
}

/** A Connect cluster: a KafkaConnect, or the one a KafkaMirrorMaker2 runs on (beside its target). */
export interface ConnectPlan {
  kind: "KafkaConnect" | "KafkaMirrorMaker2";
  name: string;
  spec: ConnectWorkerSpec;
  /** The image the workers run (a baked image by digest, or none for Kafka's own). */
  image?: string;
  /** The zone key when the resource is rack-aware. */
  rack: boolean;
  workers: { ip: string; podName: string }[];
  /** The REST Service, `<name>-connect-api` or `<name>-mirrormaker2-api`. */
  restService: string;
  /** The JMX exporter's configuration (the ConfigMap `metricsConfig` names), when metrics are on. */
  metricsConfig?: string;
  /** With `strimzi.io/use-connector-resources: "true"`: the KafkaConnectors Strimzi would create on it. */
  connectors: KafkaConnector[];
}

export interface ClusterPlan {
  name: string;
  namespace: string;
  version: string;
  metadataVersion: string;
  kafka: Kafka;
  pools: KafkaNodePool[];
  nodes: LocalNode[];
  listeners: LocalListener[];
  users: UserModel[];
  connect: ConnectPlan[];
  services: ServiceEntry[];
  hosts: HostEntry[];
  /** Broker settings a scaled-down run must change (replication factors above the broker count). */
  overrides: Record<string, string>;
  /** SCRAM password length the User Operator is configured with (Strimzi's default 12). */
  scramPasswordLength: number;
  /** Run every node and worker on a FIPS-approved provider (the Cluster file's `fips`). */
  fips: boolean;
  /** The JMX exporter's configuration for the nodes (the ConfigMap `metricsConfig` names), when metrics are on. */
  metricsConfig?: string;
  /** Libraries Strimzi's image carries (or, for OPA, the custom image must) that the nodes need. */
  libraries: ("strimzi-oauth" | "opa-authorizer")[];
}

/** Replication settings Kafka refuses with fewer brokers, and their defaults when not configured. */
const REPLICATION: [key: string, fallback: number, kind: "rf" | "isr"][] = [
  ["default.replication.factor", 1, "rf"],
  ["offsets.topic.replication.factor", 3, "rf"],
  ["transaction.state.log.replication.factor", 3, "rf"],
  ["share.coordinator.state.topic.replication.factor", 3, "rf"],
  ["min.insync.replicas", 1, "isr"],
  ["transaction.state.log.min.isr", 2, "isr"],
  ["share.coordinator.state.topic.min.isr", 2, "isr"],
];

/**
 * How far a local run scales a cluster down: at most `all` replicas for every node pool and
 * Connect cluster, and `byName` for the pools and Connect clusters (resource names) it names.
 */
export interface Scale {
  all?: number;
  byName?: Record<string, number>;
}

function scaled(scale: Scale | undefined, name: string, replicas: number): number {
  const cap = scale?.byName?.[name] ?? scale?.all;
  return cap === undefined ? replicas : Math.min(replicas, cap);
}

export function planCluster(
  objects: RenderedObject[],
  opts: { block: string; scale?: Scale; fips?: boolean },
): ClusterPlan {
  const kafka = objects.find((o): o is Kafka => o.kind === "Kafka");
  if (!kafka) throw new LocalRuntimeError("the rendered cluster has no Kafka resource");
  const pools = objects.filter((o): o is KafkaNodePool => o.kind === "KafkaNodePool");
  const cluster = kafka.metadata.name;
  const namespace = kafka.metadata.namespace ?? "default";
  // The exporter config a metricsConfig points at, as Strimzi mounts it from the ConfigMap.
  const metrics = (m: MetricsConfig | undefined): { metricsConfig?: string } => {
    if (!m) return {};
    const ref = m.valueFrom.configMapKeyRef;
    const cm = objects.find((o): o is ConfigMap => o.kind === "ConfigMap" && o.metadata.name === ref.name);
    const text = cm?.data[ref.key];
    if (text === undefined)
      throw new LocalRuntimeError(
        `metricsConfig names ConfigMap ${ref.name} key ${ref.key}, which the cluster does not render`,
      );
    return { metricsConfig: text };
  };
  const refs = nodeRefs(cluster, pools, (p) => scaled(opts.scale, p.metadata.name, p.spec.replicas));
  if (refs.length > 80)
    throw new LocalRuntimeError(`${cluster} has ${refs.length} nodes: scale it down (--scale)`);
  const nodes = refs.map((n, i) => ({ ...n, ip: `${opts.block}.${10 + i}` }));
  const brokers = nodes.filter((n) => n.broker).length;
  if (brokers === 0 || !nodes.some((n) => n.controller))
    throw new LocalRuntimeError(`${cluster} needs at least one broker and one controller`);

  const services = serviceEntries(kafka, nodes, LOCAL_ENVIRONMENT);
  const ipOf = new Map(nodes.map((n) => [n.nodeId, n.ip]));
  const hosts: HostEntry[] = services.flatMap((s) =>
    s.names.flatMap((name) => s.nodes.map((id) => ({ name, ip: ipOf.get(id) as string }))),
  );

  const listeners: LocalListener[] = listenerAddresses(kafka, nodes, LOCAL_ENVIRONMENT).map((a) => {
    const l = a.listener;
    const sasl =
      l.authentication?.type === "scram-sha-512" ||
      (l.authentication?.type === "custom" && !!l.authentication.sasl);
    return {
      name: l.name,
      port: l.port,
      tls: l.tls,
      authentication: l.authentication?.type ?? "none",
      bootstrap: a.bootstrap,
      securityProtocol: `${sasl ? "SASL_" : ""}${l.tls ? "SSL" : "PLAINTEXT"}`,
      ...(l.configuration?.brokerCertChainAndKey
        ? { ownCertificate: l.configuration.brokerCertChainAndKey }
        : {}),
    };
  });

  // Connect workers on .100 and up of the cluster's block, reachable through their REST Service.
  let worker = 100;
  const connect: ConnectPlan[] = objects
    .filter(
      (o): o is KafkaConnect | KafkaMirrorMaker2 =>
        o.kind === "KafkaConnect" || o.kind === "KafkaMirrorMaker2",
    )
    .map((o) => {
      const replicas = scaled(opts.scale, o.metadata.name, o.spec.replicas);
      const suffix = o.kind === "KafkaConnect" ? "connect" : "mirrormaker2";
      const spec: ConnectWorkerSpec = o.kind === "KafkaConnect" ? o.spec : o.spec.target;
      return {
        kind: o.kind,
        name: o.metadata.name,
        spec,
        ...(o.kind === "KafkaConnect" && o.spec.image ? { image: o.spec.image } : {}),
        rack: o.spec.rack !== undefined,
        workers: Array.from({ length: replicas }, (_, i) => ({
          ip: `${opts.block}.${worker++}`,
          podName: `${o.metadata.name}-${suffix}-${i}`,
        })),
        restService: `${o.metadata.name}-${suffix}-api`,
        ...metrics(o.spec.metricsConfig),
        connectors:
          o.kind === "KafkaConnect" &&
          o.metadata.annotations?.["strimzi.io/use-connector-resources"] === "true"
            ? objects.filter(
                (k): k is KafkaConnector =>
                  k.kind === "KafkaConnector" &&
                  k.metadata.labels?.["strimzi.io/cluster"] === o.metadata.name,
              )
            : [],
      };
    });
  if (worker > 250)
    throw new LocalRuntimeError(
      `${cluster} has too many Connect workers for a local run: scale it down (--scale)`,
    );
  for (const c of connect)
    for (const name of [c.restService, `${c.restService}.${namespace}`, `${c.restService}.${namespace}.svc`])
      for (const w of c.workers) hosts.push({ name, ip: w.ip });

  const config = kafka.spec.kafka.config;
  const overrides: Record<string, string> = {};
  let rf = brokers;
  for (const [key, fallback, kind] of REPLICATION) {
    const value = Number(config[key] ?? fallback);
    if (kind === "rf" && value > brokers) overrides[key] = String(brokers);
    if (key === "default.replication.factor") rf = Math.min(value, brokers);
    if (kind === "isr" && value > rf) overrides[key] = String(rf);
  }
  const length = kafka.spec.entityOperator.template?.userOperatorContainer?.env?.find(
    (e) => e.name === "STRIMZI_SCRAM_SHA_PASSWORD_LENGTH",
  );

  return {
    name: cluster,
    namespace,
    version: kafka.spec.kafka.version,
    metadataVersion: kafka.spec.kafka.metadataVersion,
    kafka,
    pools,
    nodes,
    listeners,
    users: objects.filter((o): o is KafkaUser => o.kind === "KafkaUser").map(userModel),
    connect,
    services,
    hosts,
    overrides,
    scramPasswordLength: length && "value" in length ? Number(length.value) : 12,
    fips: opts.fips ?? false,
    ...metrics(kafka.spec.kafka.metricsConfig),
    libraries: [
      ...(JSON.stringify(kafka.spec.kafka).includes("io.strimzi.kafka.oauth")
        ? (["strimzi-oauth"] as const)
        : []),
      ...(kafka.spec.kafka.authorization.authorizerClass === "org.openpolicyagent.kafka.OpaAuthorizer"
        ? (["opa-authorizer"] as const)
        : []),
    ],
  };
}

/** The in-cluster name of a node, as other nodes dial it. */
export const nodeHost = (plan: ClusterPlan, node: NodeRef) =>
  podDnsName(plan.namespace, plan.name, node.podName);
