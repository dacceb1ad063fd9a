// Every default kiln renders, in one place, each with its reason (see clusters/README.md).
import type { MetricsConfig } from "../wire/strimzi.js";

export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";
export const HOST_TOPOLOGY_KEY = "kubernetes.io/hostname";

/** `4.3.1` → `4.3-IV0`: the newest metadata version of a feature release as Strimzi 1.2 ships it. */
export function defaultMetadataVersion(kafkaVersion: string): string {
  const [major, minor] = kafkaVersion.split(".");
  return `${major}.${minor}-IV0`;
}

/** Production broker configuration; the definition's `kafka.config` overrides any key. */
export function brokerDefaults(
  replicationFactor: number,
  minIsr: number,
): Record<string, string | number | boolean> {
  return {
    "default.replication.factor": replicationFactor,
    "min.insync.replicas": minIsr,
    "offsets.topic.replication.factor": replicationFactor,
    "transaction.state.log.replication.factor": replicationFactor,
    "transaction.state.log.min.isr": minIsr,
    "unclean.leader.election.enable": false,
    "auto.create.topics.enable": false,
    "auto.leader.rebalance.enable": true,
  };
}

/** Fetch from the closest replica when brokers know their zone (KIP-392). */
export const RACK_AWARE_SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

/** TLS 1.3 and 1.2 with AES-GCM suites only: all approved under FIPS 140-3. */
export const FIPS_TLS = {
  "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
  "ssl.protocol": "TLSv1.3",
  "ssl.cipher.suites": [
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  ].join(","),
} as const;

/**
 * FIPS TLS settings for a Connect worker and every client it creates: Strimzi passes `config`
 * to the worker as is, and the producers, consumers and admin clients of its connectors read
 * only their own `producer.`/`consumer.`/`admin.` prefixed settings.
 */
export const FIPS_CONNECT_TLS: Record<string, string> = Object.fromEntries(
  ["", "producer.", "consumer.", "admin."].flatMap((prefix) =>
    Object.entries(FIPS_TLS).map(([k, v]) => [`${prefix}${k}`, v]),
  ),
);

/** The principal builder of strimzi-kafka-oauth: keeps the token on the session (Keycloak authorization needs it) and maps TLS principals as Kafka's default does. */
export const OAUTH_PRINCIPAL_BUILDER = "io.strimzi.kafka.oauth.server.OAuthKafkaPrincipalBuilder";

/** FIPS needs SCRAM passwords of at least 32 characters (PBKDF2 key material). */
export const FIPS_SCRAM_PASSWORD_LENGTH = 32;

/** Annotations that make a Service of type LoadBalancer internal (VNet/VPC-only) on each cloud. */
export const INTERNAL_LB_ANNOTATIONS: Record<"aks" | "eks" | "gke", Record<string, string>> = {
  aks: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
  eks: {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  },
  gke: { "networking.gke.io/load-balancer-type": "Internal" },
};

/** When no listeners are declared: one internal mTLS listener. */
export const DEFAULT_LISTENER = {
  name: "tls",
  port: 9093,
  type: "cluster-ip",
  tls: true,
  authentication: { type: "tls" },
} as const;

/** When no node pools are declared: three KRaft voters and three brokers. */
export const DEFAULT_POOLS = [
  {
    name: "controller",
    roles: ["controller"],
    replicas: 3,
    storage: { type: "persistent-claim", size: "20Gi" },
  },
  {
    name: "broker",
    roles: ["broker"],
    replicas: 3,
    storage: { type: "jbod", volumes: [{ size: "100Gi", kraftMetadata: true }] },
  },
] as const;

export const CONNECT_CONFIG_PROVIDERS = {
  "config.providers": "secrets,configmaps,env,directory",
  "config.providers.secrets.class": "io.strimzi.kafka.KubernetesSecretConfigProvider",
  "config.providers.configmaps.class": "io.strimzi.kafka.KubernetesConfigMapConfigProvider",
  "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
  "config.providers.directory.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
} as const;

export const METRICS_PORT_NAME = "tcp-prometheus";
/** The key of the JMX exporter's rules in each metrics ConfigMap. */
export const METRICS_CONFIG_KEY = "metrics-config.yml";

/** Strimzi's JMX Prometheus exporter, reading its rules from one of kiln's metrics ConfigMaps. */
export function jmxMetricsConfig(configMap: string): MetricsConfig {
  return {
    type: "jmxPrometheusExporter",
    valueFrom: { configMapKeyRef: { name: configMap, key: METRICS_CONFIG_KEY } },
  };
}
/** Strimzi's fixed ports: metrics, Connect REST, KRaft/control plane, replication, Kafka agent. */
export const PORTS = {
  metrics: 9404,
  rest: 8083,
  controlPlane: 9090,
  replication: 9091,
  agent: 8443,
} as const;
/** Where kiln's NetworkPolicies expect Prometheus to scrape from, unless `monitoring.prometheusNamespace` says. */
export const DEFAULT_PROMETHEUS_NAMESPACE = "monitoring";
/** The label Kubernetes puts on every namespace with its own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/**
 * The Strimzi Cluster Operator as Strimzi's own policies admit it when it runs in another
 * namespace and STRIMZI_OPERATOR_NAMESPACE_LABELS is unset (NetworkPolicyUtils): any namespace.
 */
export const CLUSTER_OPERATOR_PEER = {
  podSelector: { matchLabels: { "strimzi.io/kind": "cluster-operator" } },
  namespaceSelector: {},
} as const;
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "kiln" } as const;

/** Cruise Control's goal classes live here. */
export const CRUISE_CONTROL_GOAL_PACKAGE = "com.linkedin.kafka.cruisecontrol.analyzer.goals";
/** Hard goals: no broker above its replica, disk, network or CPU capacity. */
export const CAPACITY_GOALS = [
  "ReplicaCapacityGoal",
  "DiskCapacityGoal",
  "NetworkInboundCapacityGoal",
  "NetworkOutboundCapacityGoal",
  "CpuCapacityGoal",
] as const;
/** Soft goals, in priority order: even replicas, disk, network, CPU and leadership. */
export const DISTRIBUTION_GOALS = [
  "ReplicaDistributionGoal",
  "PotentialNwOutGoal",
  "DiskUsageDistributionGoal",
  "NetworkInboundUsageDistributionGoal",
  "NetworkOutboundUsageDistributionGoal",
  "CpuUsageDistributionGoal",
  "TopicReplicaDistributionGoal",
  "LeaderReplicaDistributionGoal",
  "LeaderBytesInDistributionGoal",
] as const;

export const CRUISE_CONTROL_DEFAULTS = {
  /** A 1 Gbit/s network per broker. */
  networkCapacity: "125MiB/s",
  replicasPerGib: 1000,
  maxReplicasPerBrokerFloor: 1000,
  /** Cruise Control's own default for max.replicas.per.broker. */
  maxReplicasPerBrokerCeiling: 10000,
  concurrentPartitionMovementsPerBroker: 5,
  requestHandlerBusyPercent: 70,
  /** Scale up before a broker's network is full: the rebalance onto new brokers needs headroom. */
  bytesInShareOfCapacity: 0.7,
  diskUsedPercent: 70,
  behavior: {
    scaleUpWindowSeconds: 300,
    scaleUpPeriodSeconds: 900,
    scaleDownWindowSeconds: 3600,
    // The autoscaling/v2 API allows at most 1800 s per policy period.
    scaleDownPeriodSeconds: 1800,
  },
} as const;

/** Per-broker metrics prometheus-adapter serves to the broker autoscalers (custom.metrics.k8s.io). */
export const BROKER_METRICS = {
  busy: "kafka_broker_request_handler_busy_ratio",
  bytesIn: "kafka_broker_bytes_in_per_second",
  disk: "kafka_broker_disk_used_ratio",
} as const;
