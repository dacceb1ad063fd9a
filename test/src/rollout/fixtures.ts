import { KubeClient, type KubeObject, loadKubeconfig } from "@kiln/clusters/rollout";
import { ADMIN_TOKEN, kubeRequest } from "../services/kube-apiserver.js";

/** A client for one context of a kubeconfig. */
export function clientFor(kubeconfig: string, context?: string): KubeClient {
  const loaded = loadKubeconfig({ kubeconfig, ...(context ? { context } : {}), env: {} });
  return new KubeClient(loaded.kc, { context: loaded.context, server: loaded.server });
}

/** The REST path of a Strimzi collection, or of one object in it. */
export const strimzi = (ns: string, plural: string, name = "") =>
  `/apis/kafka.strimzi.io/v1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`;

let counter = 0;
/** A fresh namespace name per test, so tests never see each other's objects. */
export function freshNamespace(prefix = "kiln"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

/** A small, valid Strimzi 1.x cluster: Kafka, a dual-role node pool, a user, Connect, metrics ConfigMap, PodMonitor. */
export function clusterObjects(
  ns: string,
  opts: { connectReplicas?: number; brokers?: number } = {},
): KubeObject[] {
  const labels = { "strimzi.io/cluster": "orders" };
  return [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: "orders-kafka", namespace: ns },
      spec: {
        selector: { matchLabels: { "strimzi.io/cluster": "orders" } },
        podMetricsEndpoints: [{ path: "/metrics", port: "tcp-prometheus" }],
      },
    },
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaConnect",
      metadata: {
        name: "orders-connect",
        namespace: ns,
        annotations: { "strimzi.io/use-connector-resources": "false" },
      },
      spec: {
        version: "4.3.1",
        replicas: opts.connectReplicas ?? 1,
        bootstrapServers: "orders-kafka-bootstrap:9093",
        groupId: "orders-connect",
        configStorageTopic: "orders-connect-configs",
        statusStorageTopic: "orders-connect-status",
        offsetStorageTopic: "orders-connect-offsets",
        tls: { trustedCertificates: [{ secretName: "orders-cluster-ca-cert", pattern: "*.crt" }] },
        authentication: {
          type: "tls",
          certificateAndKey: { secretName: "orders-connect", certificate: "user.crt", key: "user.key" },
        },
        metricsConfig: {
          type: "jmxPrometheusExporter",
          valueFrom: { configMapKeyRef: { name: "orders-metrics", key: "connect.yml" } },
        },
      },
    },
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaNodePool",
      metadata: { name: "dual", namespace: ns, labels },
      spec: {
        replicas: opts.brokers ?? 3,
        roles: ["controller", "broker"],
        storage: { type: "jbod", volumes: [{ id: 0, type: "ephemeral", kraftMetadata: "shared" }] },
      },
    },
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "Kafka",
      metadata: { name: "orders", namespace: ns },
      spec: {
        kafka: {
          version: "4.3.1",
          metadataVersion: "4.3-IV0",
          listeners: [
            { name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: "tls" } },
          ],
          authorization: { type: "simple" },
          config: { "min.insync.replicas": 2 },
          metricsConfig: {
            type: "jmxPrometheusExporter",
            valueFrom: { configMapKeyRef: { name: "orders-metrics", key: "kafka.yml" } },
          },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    },
    {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: "orders-connect", namespace: ns, labels },
      spec: {
        authentication: { type: "tls" },
        authorization: {
          type: "simple",
          acls: [
            {
              resource: { type: "topic", name: "orders", patternType: "literal" },
              operations: ["Read", "Write"],
            },
          ],
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "orders-metrics", namespace: ns },
      data: { "kafka.yml": "lowercaseOutputName: true\n", "connect.yml": "lowercaseOutputName: true\n" },
    },
  ];
}

/** The admin's raw view of the API server, for assertions and for playing the operator. */
export function admin(kubeconfig: string) {
  const cluster = loadKubeconfig({ kubeconfig, env: {} }).kc.getCurrentCluster();
  const ca = Buffer.from(cluster?.caData ?? "", "base64").toString("utf8");
  const server = { url: cluster?.server ?? "", ca, token: ADMIN_TOKEN };
  return {
    async get(path: string): Promise<{ status: number; body: any }> {
      const r = await kubeRequest(server, "GET", path);
      return { status: r.status, body: r.body ? JSON.parse(r.body) : undefined };
    },
    async send(
      method: string,
      path: string,
      body: unknown,
      contentType?: string,
    ): Promise<{ status: number; body: any }> {
      const r = await kubeRequest(server, method, path, body, contentType);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body}`);
      return { status: r.status, body: JSON.parse(r.body) };
    },
    server,
  };
}
