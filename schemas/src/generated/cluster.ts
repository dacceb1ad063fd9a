// Generated from json/cluster.schema.json by scripts/generate-types.mjs. Do not edit.

export type K8SName = string;

/**
 * A Kafka cluster run by Strimzi: KRaft node pools, listeners, security, monitoring, Connect clusters and MirrorMaker 2.
 */
export interface Cluster {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "Cluster";
  name: K8SName;
  namespace: K8SName;
  kafka: {
    version: string;
    metadataVersion?: string;
    config?: {
      [k: string]: (string | number | boolean) | undefined;
    };
  };
  nodePools?: {
    name: K8SName;
    /**
     * @minItems 1
     */
    roles: ("controller" | "broker")[];
    replicas: number;
  }[];
  connect?: {
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
    };
    plugins: string[];
    /**
     * How this Connect cluster's connectors are deployed: KafkaConnector CRs, or kiln over the Connect REST API. Never both.
     */
    connectors?: "kafka-connector-resources" | "rest";
  }[];
}
