// What Strimzi derives from a Kafka and its KafkaNodePools: node ids, pod names, the Services
// and DNS names clients dial, the addresses brokers advertise per listener, and the names in
// each node's certificate (ClusterCa#generateBrokerCerts). Pure.
import type { GenericKafkaListener, Kafka, KafkaNodePool } from "../wire/strimzi.js";
import {
  bootstrapService,
  brokersService,
  CONTROLPLANE_PORT,
  METRICS_PORT,
  perBrokerService,
  podDnsName,
  podName,
  REPLICATION_PORT,
  serviceDnsNames,
} from "./names.js";

export interface NodeRef {
  nodeId: number;
  pool: string;
  podName: string;
  broker: boolean;
  controller: boolean;
  /** The zone the node's pod lands in when the pool is spread over zones. */
  zone?: string;
}

/**
 * Where external addresses come from. On Kubernetes these are the load balancers' status and
 * the nodes' addresses; the local runtime gives each a name of its own.
 */
export interface Environment {
  loadBalancerAddress(service: string, namespace: string): string;
  nodeAddress(node: NodeRef): string;
  routeHost(route: string, namespace: string): string;
}

/**
 * Node ids as Strimzi assigns them to new pools: pools in name order (the order the API lists
 * them), each taking the lowest free ids. `replicas` may scale a pool down (local runs).
 */
export function nodeRefs(
  cluster: string,
  pools: KafkaNodePool[],
  replicas: (pool: KafkaNodePool) => number = (p) => p.spec.replicas,
): NodeRef[] {
  const nodes: NodeRef[] = [];
  let next = 0;
  for (const pool of [...pools].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const zones = poolZones(pool);
    for (let i = 0; i < replicas(pool); i++) {
      const nodeId = next++;
      nodes.push({
        nodeId,
        pool: pool.metadata.name,
        podName: podName(cluster, pool.metadata.name, nodeId),
        broker: pool.spec.roles.includes("broker"),
        controller: pool.spec.roles.includes("controller"),
        // The rendered spread constraint (maxSkew 1) places a pool's pods round-robin over its zones.
        ...(zones.length > 0 ? { zone: zones[i % zones.length] } : {}),
      });
    }
  }
  return nodes;
}

/** The zones a pool's node affinity allows, in order (the `In` values of its zone term). */
function poolZones(pool: KafkaNodePool): string[] {
  const spread = pool.spec.template?.pod?.topologySpreadConstraints?.[0]?.topologyKey;
  if (!spread) return [];
  const terms =
    pool.spec.template?.pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      .nodeSelectorTerms ?? [];
  return terms.flatMap((t) => t.matchExpressions.filter((e) => e.key === spread).flatMap((e) => e.values));
}

/** One name clients resolve, the nodes behind it and the ports it carries. */
export interface ServiceEntry {
  names: string[];
  ports: number[];
  nodes: number[];
}

export interface ListenerAddresses {
  listener: GenericKafkaListener;
  /** `host:port` clients bootstrap with from inside the cluster (the listener's bootstrap Service). */
  bootstrap: string;
  /** Every host name that reaches the listener's bootstrap: Service names, external addresses, alternative names. */
  bootstrapHosts: string[];
  /** The host each broker advertises on this listener. */
  advertised: Map<number, string>;
}

/** The addresses of every listener, as Strimzi configures and exposes them. */
export function listenerAddresses(kafka: Kafka, nodes: NodeRef[], env: Environment): ListenerAddresses[] {
  const cluster = kafka.metadata.name;
  const ns = kafka.metadata.namespace ?? "default";
  const brokers = nodes.filter((n) => n.broker);
  return kafka.spec.kafka.listeners.map((l) => {
    const service = bootstrapService(cluster, l);
    const advertised = new Map<number, string>();
    for (const n of brokers) advertised.set(n.nodeId, advertisedHost(l, n, cluster, ns, env));
    const external = externalBootstrapHosts(l, cluster, ns, env);
    return {
      listener: l,
      bootstrap: `${service}.${ns}.svc:${l.port}`,
      bootstrapHosts: [...serviceDnsNames(service, ns), ...external],
      advertised,
    };
  });
}

function advertisedHost(
  l: GenericKafkaListener,
  n: NodeRef,
  cluster: string,
  ns: string,
  env: Environment,
): string {
  const perBroker = perBrokerService(cluster, n.pool, n.nodeId, l);
  switch (l.type) {
    case "internal":
      return podDnsName(ns, cluster, n.podName);
    case "cluster-ip":
      return `${perBroker}.${ns}.svc`;
    case "loadbalancer":
      return env.loadBalancerAddress(perBroker, ns);
    case "nodeport":
      return env.nodeAddress(n);
    case "ingress":
      return (l.configuration?.hostTemplate ?? "")
        .replaceAll("{nodeId}", String(n.nodeId))
        .replaceAll("{nodePodName}", n.podName);
    case "route":
      return env.routeHost(perBroker, ns);
  }
}

/** Names outside the cluster's Services that reach a listener's bootstrap, in Strimzi's certificate order. */
function externalBootstrapHosts(
  l: GenericKafkaListener,
  cluster: string,
  ns: string,
  env: Environment,
): string[] {
  const out: string[] = [];
  const service = bootstrapService(cluster, l);
  if (l.type === "loadbalancer") out.push(env.loadBalancerAddress(service, ns));
  if (l.type === "ingress" && l.configuration?.bootstrap?.host) out.push(l.configuration.bootstrap.host);
  if (l.type === "route") out.push(l.configuration?.bootstrap?.host ?? env.routeHost(service, ns));
  out.push(...(l.configuration?.bootstrap?.alternativeNames ?? []));
  return out;
}

/**
 * The DNS names in a node's certificate signed by the cluster CA: its pod name, the brokers and
 * bootstrap Services, and — on brokers — every external bootstrap name and its own per-listener
 * addresses. A listener with its own certificate (`brokerCertChainAndKey`) does not use this one.
 */
export function certificateNames(kafka: Kafka, node: NodeRef, nodes: NodeRef[], env: Environment): string[] {
  const cluster = kafka.metadata.name;
  const ns = kafka.metadata.namespace ?? "default";
  const names = [
    ...serviceDnsNames(`${cluster}-kafka-bootstrap`, ns),
    ...serviceDnsNames(brokersService(cluster), ns),
    podDnsName(ns, cluster, node.podName),
    `${podDnsName(ns, cluster, node.podName)}.cluster.local`,
  ];
  if (node.broker)
    for (const a of listenerAddresses(kafka, nodes, env)) {
      if (a.listener.configuration?.brokerCertChainAndKey) continue;
      if (a.listener.type !== "internal") names.push(...a.bootstrapHosts);
      const own = a.advertised.get(node.nodeId);
      if (own) names.push(own);
    }
  return [...new Set(names)];
}

/**
 * Every name a client can resolve and the ports behind it: the headless brokers Service (all
 * ports of every node), each pod, each bootstrap Service with only its listener's port (the
 * shared one also carries the replication port), and the external names.
 */
export function serviceEntries(kafka: Kafka, nodes: NodeRef[], env: Environment): ServiceEntry[] {
  const cluster = kafka.metadata.name;
  const ns = kafka.metadata.namespace ?? "default";
  const listeners = kafka.spec.kafka.listeners;
  const brokers = nodes.filter((n) => n.broker).map((n) => n.nodeId);
  const internalPorts = listeners.filter((l) => l.type === "internal").map((l) => l.port);
  const entries: ServiceEntry[] = [
    {
      names: serviceDnsNames(`${cluster}-kafka-bootstrap`, ns),
      ports: [REPLICATION_PORT, ...internalPorts],
      nodes: brokers,
    },
  ];
  for (const n of nodes) {
    const ports = [
      ...(n.controller ? [CONTROLPLANE_PORT] : []),
      ...(n.broker ? [REPLICATION_PORT, ...listeners.map((l) => l.port)] : []),
      METRICS_PORT,
    ];
    entries.push({
      names: [podDnsName(ns, cluster, n.podName), `${podDnsName(ns, cluster, n.podName)}.cluster.local`],
      ports,
      nodes: [n.nodeId],
    });
  }
  entries.push({
    names: serviceDnsNames(brokersService(cluster), ns),
    ports: [CONTROLPLANE_PORT, REPLICATION_PORT, ...internalPorts, METRICS_PORT],
    nodes: nodes.map((n) => n.nodeId),
  });
  for (const a of listenerAddresses(kafka, nodes, env)) {
    const l = a.listener;
    if (l.type === "internal") continue;
    entries.push({
      names: a.bootstrapHosts.filter((h) => !h.startsWith(`${cluster}-kafka-bootstrap`)),
      ports: [l.port],
      nodes: brokers,
    });
    for (const [nodeId, host] of a.advertised) {
      const node = nodes.find((n) => n.nodeId === nodeId);
      const perBroker = node ? perBrokerService(cluster, node.pool, nodeId, l) : undefined;
      const names = l.type === "cluster-ip" && perBroker ? serviceDnsNames(perBroker, ns) : [host];
      entries.push({ names: [...new Set([...names, host])], ports: [l.port], nodes: [nodeId] });
    }
  }
  return entries;
}

/**
 * Why `host:port` reaches no listener of the cluster, or undefined when it does: the name is
 * unknown, or its Service does not carry that port.
 */
export function unreachable(entries: ServiceEntry[], address: string): string | undefined {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return `${address} is not host:port`;
  const [, host = "", port] = m;
  const matching = entries.filter((e) => e.names.includes(host));
  if (matching.length === 0) return `no Service or address of the cluster is named ${host}`;
  if (!matching.some((e) => e.ports.includes(Number(port))))
    return `${host} carries port${matching[0]?.ports.length === 1 ? "" : "s"} ${[...new Set(matching.flatMap((e) => e.ports))].join(", ")}, not ${port}`;
  return undefined;
}
