// The names Strimzi's cluster operator gives the Services, pods and DNS records of a Kafka
// cluster (KafkaResources, ListenersUtils, DnsNameGenerator in strimzi-kafka-operator).
// Pure: shared by checks that compare what clients dial with what certificates cover, and by
// the local runtime that issues those certificates.
import type { GenericKafkaListener } from "../wire/strimzi.js";

export const CONTROLPLANE_PORT = 9090;
export const REPLICATION_PORT = 9091;
export const METRICS_PORT = 9404;
export const CONTROLPLANE_LISTENER = `CONTROLPLANE-${CONTROLPLANE_PORT}`;
export const REPLICATION_LISTENER = `REPLICATION-${REPLICATION_PORT}`;

export const podName = (cluster: string, pool: string, nodeId: number) => `${cluster}-${pool}-${nodeId}`;
/** The headless Service every node is registered in. */
export const brokersService = (cluster: string) => `${cluster}-kafka-brokers`;

/** `<pod>.<cluster>-kafka-brokers.<namespace>.svc`: how nodes advertise themselves to each other. */
export const podDnsName = (namespace: string, cluster: string, pod: string) =>
  `${pod}.${brokersService(cluster)}.${namespace}.svc`;

/** A listener's identifier in broker properties: `TLS-9093`. */
export const listenerId = (l: Pick<GenericKafkaListener, "name" | "port">) =>
  `${l.name}-${l.port}`.toUpperCase();

/**
 * The bootstrap Service of a listener: `<cluster>-kafka-bootstrap` exposes only `internal`
 * listeners (and the replication port); every other type gets its own.
 */
export function bootstrapService(cluster: string, l: Pick<GenericKafkaListener, "name" | "type">): string {
  return l.type === "internal" ? `${cluster}-kafka-bootstrap` : `${cluster}-kafka-${l.name}-bootstrap`;
}

/** The per-broker Service of a listener that is not `internal` (`<cluster>-<pool>-<listener>-<id>`). */
export function perBrokerService(
  cluster: string,
  pool: string,
  nodeId: number,
  l: Pick<GenericKafkaListener, "name" | "port">,
): string {
  // Strimzi keeps the name of its old single external listener.
  const base = `${cluster}-${pool}`;
  return l.port === 9094 && l.name === "external" ? `${base}-${nodeId}` : `${base}-${l.name}-${nodeId}`;
}

/** The names a Service answers to inside the cluster, shortest first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** Principals of Strimzi's own components, which `super.users` always lists. */
export function componentPrincipals(cluster: string): string[] {
  return [
    `CN=${cluster}-kafka`,
    `CN=${cluster}-entity-topic-operator`,
    `CN=${cluster}-entity-user-operator`,
    `CN=${cluster}-kafka-exporter`,
    `CN=${cluster}-cruise-control`,
    "CN=cluster-operator",
  ].map((dn) => `${dn},O=io.strimzi`);
}
