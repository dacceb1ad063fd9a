// Every default kiln renders, in one place, each with its reason (see clusters/README.md).

export const DEFAULT_KAFKA_VERSION = "4.3.1";
/** The Kafka versions Strimzi 1.2 runs (its kafka-versions.yaml). */
export const SUPPORTED_KAFKA_VERSIONS = ["4.2.0", "4.2.1", "4.3.0", "4.3.1"] as const;
/** The oldest metadata version Kafka 4.x starts with (KRaft before 3.3-IV3 is no longer supported). */
export const MIN_METADATA_VERSION = "3.3-IV3";
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
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "kiln" } as const;
