// Generated from json/cluster.schema.json by scripts/generate-types.mjs. Do not edit.

export type K8SName = string;
export type Quantity = string;
export type Heap = string;
export type ListenerName = string;
export type HttpsEndpoint = string;
export type ClassName = string;
/**
 * How the user authenticates: mTLS with a User-Operator-issued certificate, SCRAM-SHA-512, mTLS with a certificate issued elsewhere, an OAuth 2.0 token whose username claim is the user's name, or a custom listener's authenticator that names the principal (for oauth and custom the KafkaUser carries only ACLs and quotas).
 */
export type UserAuth = "tls" | "scram-sha-512" | "tls-external" | "oauth" | "custom";
export type ByteRate = string;

/**
 * A Kafka cluster run by Strimzi: KRaft node pools, listeners, security, monitoring, Connect clusters and MirrorMaker 2.
 */
export interface Cluster {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "Cluster";
  name: K8SName;
  namespace: K8SName;
  /**
   * Which cloud's internal load balancer annotations to render.
   */
  cloud?: "aks" | "eks" | "gke" | "generic";
  /**
   * Restrict TLS to FIPS-approved protocols and cipher suites and SCRAM passwords to 32+ characters. Run the operator with FIPS_MODE=enabled on a FIPS-enabled node image.
   */
  fips?: boolean;
  network?: {
    /**
     * Address ranges this cluster's pods reach other networks from (its VNet/VPC pod or node range), as a peer's NetworkPolicy sees them. kiln checks that a DR peer's listener admits this cluster's MirrorMaker 2 from there.
     */
    egressCidrs?: string[];
  };
  kafka: {
    version: string;
    metadataVersion?: string;
    /**
     * Kafka image override (needed for the OPA authorizer).
     */
    image?: string;
    replicationFactor?: number;
    minInsyncReplicas?: number;
    config?: {
      [k: string]: (string | number | boolean) | undefined;
    };
  };
  nodePools?: NodePool[];
  placement?: {
    /**
     * Availability zones the node pool spans.
     *
     * @minItems 1
     */
    zones?: string[];
    topologyKey?: string | null;
    /**
     * Labels of the dedicated Kubernetes node pool (required node affinity).
     */
    nodeSelector?: {
      [k: string]: string | undefined;
    };
    tolerations?: {
      key: string;
      operator?: "Equal" | "Exists";
      value?: string;
      effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    }[];
  };
  /**
   * @minItems 1
   */
  listeners?: Listener[];
  authorization?: Authorization;
  users?: AppUser[];
  connect?: ConnectCluster[];
  disasterRecovery?: DisasterRecovery;
  scaling?: Scaling;
  monitoring?: Monitoring;
}
export interface NodePool {
  name: K8SName;
  /**
   * @minItems 1
   */
  roles: ("controller" | "broker")[];
  replicas: number;
  storage?: Storage;
  resources?: Resources;
  jvm?: Jvm;
}
export interface Storage {
  type: "persistent-claim" | "jbod" | "ephemeral";
  size?: Quantity;
  class?: string;
  deleteClaim?: boolean;
  /**
   * @minItems 1
   */
  volumes?: Volume[];
}
export interface Volume {
  size: Quantity;
  /**
   * StorageClass name.
   */
  class?: string;
  /**
   * Delete the PVC when the cluster is deleted.
   */
  deleteClaim?: boolean;
  /**
   * This JBOD volume holds the KRaft metadata log (at most one).
   */
  kraftMetadata?: boolean;
}
export interface Resources {
  requests?: {
    cpu?: Quantity;
    memory?: Quantity;
  };
  limits?: {
    cpu?: Quantity;
    memory?: Quantity;
  };
}
/**
 * JVM heap (-Xms / -Xmx).
 */
export interface Jvm {
  xms?: Heap;
  xmx?: Heap;
}
export interface Listener {
  name: ListenerName;
  /**
   * Must not be 9090, 9091 or 9404 (used by Strimzi).
   */
  port?: number;
  /**
   * internal-loadbalancer is a Strimzi loadbalancer with the cloud's internal-LB annotations (VNet/VPC-peered clients).
   */
  type:
    "cluster-ip" | "internal" | "internal-loadbalancer" | "loadbalancer" | "nodeport" | "ingress" | "route";
  /**
   * Encrypt the listener. Defaults to true; false must be explicit.
   */
  tls?: boolean;
  /**
   * Serve a certificate from this Secret instead of one signed by the cluster CA.
   */
  certificate?: {
    secretName: K8SName;
    certificate: string;
    key: string;
  };
  authentication?: {
    /**
     * none must be explicit; every listener authenticates by default.
     */
    type: "tls" | "scram-sha-512" | "oauth" | "custom" | "none";
    oauth?: {
      issuer?: HttpsEndpoint;
      jwksEndpoint?: HttpsEndpoint;
      introspectionEndpoint?: HttpsEndpoint;
      audience?: string;
      usernameClaim?: string;
      /**
       * Client id the broker uses for introspection.
       */
      clientId?: string;
      clientSecret?: SecretKey;
      trustedCertificates?: CertSecret;
    };
    /**
     * Passed through as Strimzi's custom authentication.
     */
    custom?: {
      sasl?: boolean;
      listenerConfig?: {
        [k: string]: (string | number | boolean) | undefined;
      };
    };
  };
  /**
   * Bootstrap host (ingress/route).
   */
  host?: string;
  /**
   * Extra DNS names clients dial for this listener (e.g. a DNS alias of a peering load balancer); Strimzi adds them to every broker's certificate. A name a client dials that is not in the certificate fails TLS hostname verification.
   */
  alternativeNames?: string[];
  /**
   * Per-broker host template for ingress, e.g. broker-{nodeId}.kafka.example.com.
   */
  hostTemplate?: string;
  ingressClass?: string;
  /**
   * loadBalancerSourceRanges for load balancer listeners.
   */
  sourceRanges?: string[];
  /**
   * Who may connect (Strimzi renders the NetworkPolicy from these networkPolicyPeers). Empty or absent: only pods in the cluster's namespace for internal listeners (internal, cluster-ip), anyone for the others (load balancers, node ports, ingress, routes; sourceRanges narrow a load balancer).
   */
  peers?: Peer[];
}
/**
 * A key in a Kubernetes Secret (only the reference is rendered, never the value).
 */
export interface SecretKey {
  secretName: K8SName;
  key: string;
}
/**
 * A Secret holding a trusted PEM certificate.
 */
export interface CertSecret {
  secretName: K8SName;
  /**
   * Key of the PEM certificate in the Secret.
   */
  certificate?: string;
}
/**
 * A NetworkPolicy peer allowed to reach the port.
 */
export interface Peer {
  namespaceSelector?: {
    matchLabels?: {
      [k: string]: string | undefined;
    };
  };
  podSelector?: {
    matchLabels?: {
      [k: string]: string | undefined;
    };
  };
  ipBlock?: {
    cidr: string;
    except?: string[];
  };
}
export interface Authorization {
  type?: "simple" | "keycloak" | "opa" | "custom";
  superUsers?: string[];
  keycloak?: {
    tokenEndpoint: HttpsEndpoint;
    clientId: string;
    delegateToKafkaAcls?: boolean;
    trustedCertificates?: CertSecret;
  };
  opa?: {
    url: HttpsEndpoint;
    allowOnError?: boolean;
    /**
     * Kafka image that includes the OPA authorizer.
     */
    image: string;
    /**
     * A Secret with a PKCS12 trust store for OPA's certificate (the authorizer loads no PEM) and its password.
     */
    trustedCertificates?: {
      secretName: K8SName;
      /**
       * Key of the PKCS12 trust store.
       */
      truststore?: string;
      /**
       * Key of the trust store's password.
       */
      password?: string;
    };
  };
  custom?: {
    authorizerClass: ClassName;
    supportsAdminApi?: boolean;
    config?: {
      [k: string]: (string | number | boolean) | undefined;
    };
  };
}
/**
 * An application user: least-privilege ACLs derived from the declared topics and groups.
 */
export interface AppUser {
  name: K8SName;
  authentication: UserAuth;
  listener?: ListenerName;
  topics?: {
    name: string;
    patternType?: "literal" | "prefix";
    /**
     * @minItems 1
     */
    access: ("read" | "write" | "create")[];
  }[];
  groups?: AclResource[];
  transactionalIds?: AclResource[];
  quotas?: Quotas;
}
export interface AclResource {
  name: string;
  patternType?: "literal" | "prefix";
}
export interface Quotas {
  producerByteRate?: number;
  consumerByteRate?: number;
  requestPercentage?: number;
  controllerMutationRate?: number;
}
export interface ConnectCluster {
  name: K8SName;
  replicas?: number;
  image?: {
    /**
     * Base image reference; defaults to Strimzi's Kafka image for the cluster's Kafka version.
     */
    base?: string;
    /**
     * Where the baked image is pushed.
     */
    repository?: string;
    /**
     * The baked image, pinned by digest; written by CI's digest-bump PR (kiln build --push), used by kiln render.
     */
    pinned?: string;
  };
  plugins?: string[];
  /**
   * Plugins packaged as OCI images, mounted with Strimzi's spec.plugins (type image) instead of a baked image.
   */
  pluginImages?: {
    name: string;
    reference: string;
  }[];
  /**
   * How this Connect cluster's connectors are deployed: KafkaConnector CRs, or kiln over the Connect REST API. Never both.
   */
  connectors?: "kafka-connector-resources" | "rest";
  /**
   * KafkaConnector resources to render (only with connectors: kafka-connector-resources).
   */
  kafkaConnectors?: {
    name: K8SName;
    class: ClassName;
    tasksMax?: number;
    state?: "running" | "paused" | "stopped";
    config?: {
      [k: string]: (string | number | boolean) | undefined;
    };
  }[];
  listener?: ListenerName;
  authentication?: "tls" | "scram-sha-512";
  /**
   * Topics its connectors read and write; the Connect user's ACLs are derived from them.
   */
  topics?: {
    read?: AclResource[];
    write?: AclResource[];
  };
  /**
   * Secrets the Kubernetes config provider may read (${secrets:ns/name:key}).
   */
  secrets?: K8SName[];
  config?: {
    [k: string]: (string | number | boolean) | undefined;
  };
  resources?: Resources;
  jvm?: Jvm;
  quotas?: Quotas;
  /**
   * Who may reach the REST API on 8083 besides the Strimzi operator and the cluster's own workers (with connectors: rest, where kiln deploys from). A Connect cluster with connectors: rest gets a kiln NetworkPolicy admitting exactly those on 8083 and the Prometheus namespace on the metrics port 9404; absent, nothing else reaches 8083.
   */
  restPeers?: Peer[];
  autoscaling?: {
    minReplicas?: number;
    maxReplicas: number;
    targetCpuUtilization?: number;
    /**
     * Scale on Kafka Exporter's kafka_consumergroup_lag (served as an External metric by prometheus-adapter).
     */
    consumerLag?: {
      group?: string;
      averageValue: number;
    };
  };
}
/**
 * MirrorMaker 2 disaster recovery with a peer cluster.
 */
export interface DisasterRecovery {
  /**
   * active-passive: unidirectional primary -> backup (hot standby); active-active: bidirectional.
   */
  mode: "active-passive" | "active-active";
  /**
   * This cluster's role in an active-passive pair.
   */
  role?: "primary" | "backup";
  peer: {
    name: K8SName;
    namespace?: K8SName;
    /**
     * host:port of the peer's listener reachable from here.
     */
    bootstrapServers: string;
    authentication?: "tls" | "scram-sha-512";
    trustedCertificates?: CertSecret;
  };
  topicsPattern?: string;
  topicsExcludePattern?: string;
  groupsPattern?: string;
  groupsExcludePattern?: string;
  /**
   * default prefixes remote topics with the source alias (required for active-active).
   */
  replicationPolicy?: "default" | "identity";
  syncGroupOffsets?: boolean;
  checkpointIntervalSeconds?: number;
  replicas?: number;
  tasksMax?: number;
  resources?: Resources;
}
/**
 * Brokers that follow their workload: Cruise Control keeps partitions balanced over brokers and zones, rebalances when brokers are added or removed, and an autoscaler grows and shrinks broker node pools. Present (even empty): Cruise Control is deployed.
 */
export interface Scaling {
  cruiseControl?: {
    /**
     * What one broker's network carries (Cruise Control's NetworkInbound/OutboundCapacityGoal). CPU and disk capacity come from each pool's resources and storage.
     */
    networkCapacity?: {
      inbound?: string;
      outbound?: string;
    };
    /**
     * ReplicaCapacityGoal's limit. Default: 1000 per GiB of the smallest broker pool's memory, between 1000 and 10000.
     */
    maxReplicasPerBroker?: number;
    /**
     * Strimzi rebalances onto added brokers (add-brokers) and moves partitions off brokers before removing them (remove-brokers), using the rendered KafkaRebalance templates. false: run KafkaRebalance resources yourself; kiln rollout then shrinks a broker pool only after a remove-brokers rebalance covering its brokers is Ready.
     */
    autoRebalance?: boolean;
    /**
     * Upper bound on the bandwidth partition movements use per broker, so clients keep theirs. Default: unthrottled.
     */
    replicationThrottle?: ByteRate;
    concurrentPartitionMovementsPerBroker?: number;
    resources?: Resources;
  };
  /**
   * An autoscaler per broker node pool (never a pool with the controller role).
   */
  autoscaling?: BrokerAutoscaling[];
}
export interface BrokerAutoscaling {
  pool: K8SName;
  /**
   * Default: the pool's replicas.
   */
  minReplicas?: number;
  maxReplicas: number;
  /**
   * Scale up when the pool's request handler threads are busier than this on average (1 - RequestHandlerAvgIdlePercent).
   */
  requestHandlerBusyPercent?: number;
  /**
   * Scale up when a broker receives more than this on average. Default: 70% of cruiseControl.networkCapacity.inbound.
   */
  bytesInPerBroker?: ByteRate;
  /**
   * Scale up when the pool's volumes are fuller than this on average.
   */
  diskUsedPercent?: number;
}
export interface Monitoring {
  enabled?: boolean;
  kafkaExporter?: {
    topicRegex?: string;
    groupRegex?: string;
    topicExcludeRegex?: string;
    groupExcludeRegex?: string;
  };
  /**
   * Namespace Prometheus scrapes from: kiln's NetworkPolicies admit it on the metrics port 9404 (Strimzi's own policies open 9404 to everyone).
   */
  prometheusNamespace?: string;
  /**
   * Labels the Prometheus instance selects PodMonitors and PrometheusRules by.
   */
  prometheusLabels?: {
    [k: string]: string | undefined;
  };
  thresholds?: {
    consumerLag?: number;
    diskFreePercent?: number;
    replicationLatencyMs?: number;
    certificateExpiryDays?: number;
    /**
     * Cruise Control's balancedness score (100 = balanced) below which KafkaClusterUnbalanced fires.
     */
    balancednessScore?: number;
  };
}
