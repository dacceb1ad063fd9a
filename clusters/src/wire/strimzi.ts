// Hand-written wire types for the Strimzi 1.2 (kafka.strimzi.io/v1) subset kiln
// renders. Proven against Strimzi's real CRDs (generated from its pinned release) by the tests;
// nothing here is derived from those files.
import type { LabelSelector, Labels, NetworkPolicyPeer, ObjectMeta } from "./k8s.js";

export const STRIMZI_API = "kafka.strimzi.io/v1";
type Api = typeof STRIMZI_API;

export type ConfigValues = Record<string, string | number | boolean>;

export interface ResourceRequirements {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface JvmOptions {
  "-Xms"?: string;
  "-Xmx"?: string;
}

export interface SecretKeyRef {
  secretName: string;
  password: string;
}

export interface CertSecretSource {
  secretName: string;
  certificate: string;
  key: string;
}

export interface TrustedCertificate {
  secretName: string;
  certificate: string;
}

export interface Toleration {
  key: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: { matchExpressions: { key: string; operator: "In"; values: string[] }[] }[];
    };
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution: { labelSelector: LabelSelector; topologyKey: string }[];
  };
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector: LabelSelector;
}

export interface PodTemplate {
  metadata?: { labels?: Labels; annotations?: Record<string, string> };
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
}

export interface ContainerTemplate {
  env?: (
    | { name: string; value: string }
    | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }
  )[];
}

export interface MetricsConfig {
  type: "jmxPrometheusExporter";
  valueFrom: { configMapKeyRef: { name: string; key: string } };
}

export interface Rack {
  topologyKey: string;
}

export type StorageVolume = {
  id?: number;
  type: "persistent-claim" | "ephemeral";
  size?: string;
  class?: string;
  deleteClaim?: boolean;
  kraftMetadata?: "shared";
};

export type Storage = StorageVolume | { type: "jbod"; volumes: StorageVolume[] };

export interface KafkaNodePool {
  apiVersion: Api;
  kind: "KafkaNodePool";
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    roles: ("controller" | "broker")[];
    storage: Storage;
    resources?: ResourceRequirements;
    jvmOptions?: JvmOptions;
    template?: { pod?: PodVolumesTemplate };
  };
}

/** A pod template that may mount Secrets as volumes. */
export type PodVolumesTemplate = PodTemplate & {
  volumes?: { name: string; secret: { secretName: string } }[];
};

export interface ListenerAuthentication {
  type: "tls" | "scram-sha-512" | "custom";
  sasl?: boolean;
  listenerConfig?: ConfigValues;
}

export interface GenericKafkaListener {
  name: string;
  port: number;
  type: "internal" | "route" | "loadbalancer" | "nodeport" | "ingress" | "cluster-ip";
  tls: boolean;
  authentication?: ListenerAuthentication;
  configuration?: {
    brokerCertChainAndKey?: CertSecretSource;
    class?: string;
    loadBalancerSourceRanges?: string[];
    bootstrap?: { host?: string; alternativeNames?: string[]; annotations?: Record<string, string> };
    hostTemplate?: string;
    perBrokerAnnotationsTemplate?: Record<string, string>;
  };
  networkPolicyPeers?: NetworkPolicyPeer[];
}

export interface KafkaAuthorization {
  type: "simple" | "custom";
  superUsers?: string[];
  authorizerClass?: string;
  supportsAdminApi?: boolean;
}

export interface Kafka {
  apiVersion: Api;
  kind: "Kafka";
  metadata: ObjectMeta;
  spec: {
    kafka: {
      version: string;
      metadataVersion: string;
      image?: string;
      listeners: GenericKafkaListener[];
      authorization: KafkaAuthorization;
      config: ConfigValues;
      rack?: Rack;
      metricsConfig?: MetricsConfig;
      template?: {
        pod?: PodVolumesTemplate;
        kafkaContainer?: ContainerTemplate & { volumeMounts?: { name: string; mountPath: string }[] };
        podDisruptionBudget?: { maxUnavailable: number };
      };
    };
    entityOperator: {
      topicOperator: Record<string, unknown>;
      userOperator: Record<string, unknown>;
      template?: { userOperatorContainer?: ContainerTemplate };
    };
    cruiseControl?: CruiseControlSpec;
    kafkaExporter?: {
      topicRegex?: string;
      groupRegex?: string;
      topicExcludeRegex?: string;
      groupExcludeRegex?: string;
      template?: { pod?: PodTemplate };
    };
  };
}

/** `spec.cruiseControl`: Strimzi derives CPU and disk capacity from each pool's resources and storage. */
export interface CruiseControlSpec {
  brokerCapacity?: { inboundNetwork?: string; outboundNetwork?: string };
  config?: ConfigValues;
  resources?: ResourceRequirements;
  metricsConfig?: MetricsConfig;
  autoRebalance?: { mode: "add-brokers" | "remove-brokers"; template?: { name: string } }[];
}

export type RebalanceMode = "full" | "add-brokers" | "remove-brokers" | "remove-disks";

export interface KafkaRebalance {
  apiVersion: Api;
  kind: "KafkaRebalance";
  metadata: ObjectMeta;
  spec: {
    mode?: RebalanceMode;
    brokers?: number[];
    goals?: string[];
    skipHardGoalCheck?: boolean;
    replicationThrottle?: number;
    concurrentPartitionMovementsPerBroker?: number;
  };
}

export interface ClientTls {
  trustedCertificates: TrustedCertificate[];
}

export type ClientAuthentication =
  | { type: "tls"; certificateAndKey: CertSecretSource }
  | { type: "scram-sha-512"; username: string; passwordSecret: SecretKeyRef };

export interface ImagePlugin {
  name: string;
  artifacts: { type: "image"; reference: string }[];
}

export interface KafkaConnect {
  apiVersion: Api;
  kind: "KafkaConnect";
  metadata: ObjectMeta;
  spec: {
    version: string;
    replicas: number;
    image?: string;
    bootstrapServers: string;
    groupId: string;
    configStorageTopic: string;
    offsetStorageTopic: string;
    statusStorageTopic: string;
    tls: ClientTls;
    authentication: ClientAuthentication;
    config: ConfigValues;
    resources?: ResourceRequirements;
    jvmOptions?: JvmOptions;
    rack?: Rack;
    metricsConfig?: MetricsConfig;
    plugins?: ImagePlugin[];
    template?: { pod?: PodTemplate; podDisruptionBudget?: { maxUnavailable: number } };
  };
}

export interface KafkaConnector {
  apiVersion: Api;
  kind: "KafkaConnector";
  metadata: ObjectMeta;
  spec: { class: string; tasksMax?: number; state?: "running" | "paused" | "stopped"; config?: ConfigValues };
}

export interface MirrorConnectorSpec {
  tasksMax?: number;
  config?: ConfigValues;
  autoRestart?: { enabled: boolean };
}

export interface MirrorMaker2ClusterSpec {
  alias: string;
  bootstrapServers: string;
  tls?: ClientTls;
  authentication?: ClientAuthentication;
  config?: ConfigValues;
}

export interface KafkaMirrorMaker2 {
  apiVersion: Api;
  kind: "KafkaMirrorMaker2";
  metadata: ObjectMeta;
  spec: {
    version: string;
    replicas: number;
    target: MirrorMaker2ClusterSpec & {
      groupId: string;
      configStorageTopic: string;
      offsetStorageTopic: string;
      statusStorageTopic: string;
    };
    mirrors: {
      source: MirrorMaker2ClusterSpec;
      sourceConnector: MirrorConnectorSpec;
      checkpointConnector: MirrorConnectorSpec;
      topicsPattern?: string;
      topicsExcludePattern?: string;
      groupsPattern?: string;
      groupsExcludePattern?: string;
    }[];
    resources?: ResourceRequirements;
    rack?: Rack;
    metricsConfig?: MetricsConfig;
    template?: { pod?: PodTemplate; podDisruptionBudget?: { maxUnavailable: number } };
  };
}

export type AclOperation =
  | "Read"
  | "Write"
  | "Create"
  | "Delete"
  | "Alter"
  | "Describe"
  | "ClusterAction"
  | "AlterConfigs"
  | "DescribeConfigs"
  | "IdempotentWrite"
  | "All";

export interface AclRule {
  type?: "allow" | "deny";
  resource: {
    type: "topic" | "group" | "cluster" | "transactionalId";
    name?: string;
    patternType?: "literal" | "prefix";
  };
  operations: AclOperation[];
}

export interface KafkaUserQuotas {
  producerByteRate?: number;
  consumerByteRate?: number;
  requestPercentage?: number;
  controllerMutationRate?: number;
}

export interface KafkaUser {
  apiVersion: Api;
  kind: "KafkaUser";
  metadata: ObjectMeta;
  spec: {
    /** Absent for OAuth principals: the KafkaUser then carries only their ACLs and quotas. */
    authentication?: { type: "tls" | "tls-external" | "scram-sha-512" };
    authorization?: { type: "simple"; acls: AclRule[] };
    quotas?: KafkaUserQuotas;
  };
}

export type StrimziObject =
  | Kafka
  | KafkaNodePool
  | KafkaConnect
  | KafkaConnector
  | KafkaMirrorMaker2
  | KafkaRebalance
  | KafkaUser;
