import type { ConnectCluster } from "@kiln/schemas";
import type { HorizontalPodAutoscaler, NetworkPolicy, Role, RoleBinding } from "../wire/k8s.js";
import type { AclRule, KafkaConnect, KafkaConnector, KafkaUser, PodTemplate } from "../wire/strimzi.js";
import { STRIMZI_API } from "../wire/strimzi.js";
import {
  bootstrap,
  type Ctx,
  clientAuth,
  clientListener,
  clusterCaCert,
  defined,
  meta,
  peer,
  RenderError,
  strimziCluster,
} from "./context.js";
import {
  CLUSTER_OPERATOR_PEER,
  CONNECT_CONFIG_PROVIDERS,
  DEFAULT_PROMETHEUS_NAMESPACE,
  FIPS_CONNECT_TLS,
  jmxMetricsConfig,
  NAMESPACE_NAME_LABEL,
  PORTS,
} from "./defaults.js";
import { jvm } from "./kafka.js";
import { groupAcl, kafkaUser, topicAcl } from "./users.js";

export const CONNECT_METRICS_CONFIGMAP = (connect: string) => `${connect}-connect-metrics`;
const DIGEST_REF = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/** A connector to render as a KafkaConnector resource (from a Connector file, class resolved from the catalog). */
export interface KafkaConnectorInput {
  name: string;
  connectCluster: string;
  class: string;
  tasksMax?: number;
  state?: "running" | "paused" | "stopped";
  config?: Record<string, string | number | boolean>;
}

export interface ConnectRenderOptions {
  /** Baked images by Connect cluster name, each pinned by digest (`repo@sha256:…`). */
  images?: Record<string, string>;
  /** Connectors from Connector files; rendered as KafkaConnector CRs on clusters in that mode. */
  connectors?: KafkaConnectorInput[];
}

export interface ConnectRendered {
  objects: (
    | KafkaConnect
    | KafkaConnector
    | KafkaUser
    | Role
    | RoleBinding
    | NetworkPolicy
    | HorizontalPodAutoscaler
  )[];
  warnings: string[];
}

export const connectNames = (name: string) => ({
  groupId: `${name}-cluster`,
  configs: `${name}-configs`,
  offsets: `${name}-offsets`,
  status: `${name}-status`,
  user: `${name}-connect`,
  serviceAccount: `${name}-connect`,
});

function image(
  ctx: Ctx,
  c: ConnectCluster,
  opts: ConnectRenderOptions,
  warnings: string[],
): string | undefined {
  // An image passed at render time wins over the one the definition pins.
  const baked = opts.images?.[c.name] ?? c.image?.pinned;
  if (baked !== undefined) {
    if (!DIGEST_REF.test(baked))
      throw new RenderError(
        `image for Connect cluster ${c.name} must be pinned by digest (repo@sha256:…), not ${baked}`,
      );
    return baked;
  }
  if ((c.plugins ?? []).length === 0) return c.image?.base;
  if (!c.image?.repository)
    throw new RenderError(
      `Connect cluster ${c.name} has plugins but no image: pass its baked image or set image.repository`,
    );
  warnings.push(
    `Connect cluster ${c.name}: image ${c.image.repository}:kafka-${ctx.version} is not pinned by digest; pass the baked image's digest`,
  );
  return `${c.image.repository}:kafka-${ctx.version}`;
}

function spread(ctx: Ctx, name: string, kind: string): PodTemplate | undefined {
  if (!ctx.zoneKey) return undefined;
  return {
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: ctx.zoneKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { ...strimziCluster(name), "strimzi.io/kind": kind } },
      },
    ],
  };
}

export function renderConnect(ctx: Ctx, c: ConnectCluster, opts: ConnectRenderOptions = {}): ConnectRendered {
  const warnings: string[] = [];
  const n = connectNames(c.name);
  const listener = clientListener(ctx, c.listener);
  const authType = c.authentication ?? (listener.authType === "scram-sha-512" ? "scram-sha-512" : "tls");
  const useCrs = c.connectors === "kafka-connector-resources";
  const img = image(ctx, c, opts, warnings);

  const config: Record<string, string | number | boolean> = {
    ...CONNECT_CONFIG_PROVIDERS,
    "config.storage.replication.factor": -1,
    "offset.storage.replication.factor": -1,
    "status.storage.replication.factor": -1,
    "connector.client.config.override.policy": "All",
    ...(ctx.fips ? FIPS_CONNECT_TLS : {}),
    ...defined(c.config),
  };
  const template = spread(ctx, c.name, "KafkaConnect");
  const connect: KafkaConnect = {
    apiVersion: STRIMZI_API,
    kind: "KafkaConnect",
    metadata: {
      ...meta(ctx, c.name, { "kiln.dev/kafka-cluster": ctx.name }),
      annotations: { "strimzi.io/use-connector-resources": String(useCrs) },
    },
    spec: {
      version: ctx.version,
      replicas: c.replicas ?? 2,
      ...(img ? { image: img } : {}),
      bootstrapServers: bootstrap(ctx, listener),
      groupId: n.groupId,
      configStorageTopic: n.configs,
      offsetStorageTopic: n.offsets,
      statusStorageTopic: n.status,
      tls: { trustedCertificates: [clusterCaCert(ctx.name)] },
      authentication: clientAuth(authType, n.user),
      config: Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b))),
      ...(c.resources ? { resources: structuredClone(c.resources) } : {}),
      ...(c.jvm ? { jvmOptions: jvm(c.jvm) } : {}),
      ...(ctx.zoneKey ? { rack: { topologyKey: ctx.zoneKey } } : {}),
      ...(ctx.cluster.monitoring?.enabled !== false
        ? {
            metricsConfig: jmxMetricsConfig(CONNECT_METRICS_CONFIGMAP(c.name)),
          }
        : {}),
      ...(c.pluginImages?.length && !opts.images?.[c.name]
        ? {
            plugins: c.pluginImages.map((p) => ({
              name: p.name,
              artifacts: [{ type: "image" as const, reference: p.reference }],
            })),
          }
        : {}),
      template: { ...(template ? { pod: template } : {}), podDisruptionBudget: { maxUnavailable: 1 } },
    },
  };
  const objects: ConnectRendered["objects"] = [connect];

  // Least privilege: the worker group, its three internal topics, the sink connectors' groups and the declared topics.
  const internal = (name: string) =>
    topicAcl({ name }, ["Read", "Write", "Create", "Describe", "DescribeConfigs"]);
  const acls: AclRule[] = [
    groupAcl({ name: n.groupId }),
    internal(n.configs),
    internal(n.offsets),
    internal(n.status),
    groupAcl({ name: "connect-", patternType: "prefix" }),
    ...(c.topics?.read ?? []).map((t) => topicAcl(t, ["Read", "Describe"])),
    ...(c.topics?.write ?? []).map((t) => topicAcl(t, ["Write", "Create", "Describe"])),
  ];
  objects.push(kafkaUser(ctx, n.user, authType, acls, c.quotas, { "kiln.dev/user-kind": "connect" }));

  for (const k of c.kafkaConnectors ?? [])
    objects.push(connector(ctx, c.name, { ...k, config: defined(k.config) }));
  for (const k of opts.connectors ?? []) {
    if (k.connectCluster !== c.name) continue;
    if (!useCrs) continue; // deployed over REST by `kiln deploy`
    objects.push(connector(ctx, c.name, k));
  }

  if ((c.secrets ?? []).length > 0) {
    const roleName = `${c.name}-connect-config-provider`;
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(ctx, roleName),
      rules: [
        {
          apiGroups: [""],
          resources: ["secrets"],
          resourceNames: [...(c.secrets ?? [])].sort(),
          verbs: ["get"],
        },
      ],
    });
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(ctx, roleName),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
      subjects: [{ kind: "ServiceAccount", name: n.serviceAccount, namespace: ctx.namespace }],
    });
  }

  // With connector resources Strimzi writes its own Connect policy (operator and workers on 8083,
  // everyone on 9404); without, it writes none, and this one alone decides what reaches the pods.
  if (!useCrs || (c.restPeers ?? []).length > 0) objects.push(restPolicy(ctx, c));

  const a = c.autoscaling;
  if (a) {
    const metrics: HorizontalPodAutoscaler["spec"]["metrics"] = [];
    if (a.targetCpuUtilization || !a.consumerLag)
      metrics.push({
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: a.targetCpuUtilization ?? 75 },
        },
      });
    if (a.consumerLag)
      metrics.push({
        type: "External",
        external: {
          metric: {
            name: "kafka_consumergroup_lag",
            selector: { matchLabels: { consumergroup: a.consumerLag.group ?? `connect-${c.name}` } },
          },
          target: { type: "AverageValue", averageValue: String(a.consumerLag.averageValue) },
        },
      });
    objects.push({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta(ctx, `${c.name}-connect`),
      spec: {
        scaleTargetRef: { apiVersion: STRIMZI_API, kind: "KafkaConnect", name: c.name },
        minReplicas: a.minReplicas ?? c.replicas ?? 2,
        maxReplicas: a.maxReplicas,
        metrics,
        // Connect rebalances on every membership change: scale down slowly.
        behavior: {
          scaleDown: {
            stabilizationWindowSeconds: 600,
            policies: [{ type: "Pods", value: 1, periodSeconds: 300 }],
          },
        },
      },
    });
  }
  return { objects, warnings };
}

/**
 * Who reaches a Connect cluster's pods: on REST, its own workers (followers forward writes to
 * the leader), the Strimzi operator and `restPeers`; on metrics, the Prometheus namespace.
 */
function restPolicy(ctx: Ctx, c: ConnectCluster): NetworkPolicy {
  const selector = { ...strimziCluster(c.name), "strimzi.io/kind": "KafkaConnect" };
  const ingress: NonNullable<NetworkPolicy["spec"]["ingress"]> = [
    {
      from: [
        { podSelector: { matchLabels: selector } },
        structuredClone(CLUSTER_OPERATOR_PEER),
        ...(c.restPeers ?? []).map(peer),
      ],
      ports: [{ protocol: "TCP", port: PORTS.rest }],
    },
  ];
  const monitoring = ctx.cluster.monitoring;
  if (monitoring?.enabled !== false)
    ingress.push({
      from: [
        {
          namespaceSelector: {
            matchLabels: {
              [NAMESPACE_NAME_LABEL]: monitoring?.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE,
            },
          },
        },
      ],
      ports: [{ protocol: "TCP", port: PORTS.metrics }],
    });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(ctx, `${c.name}-connect-rest`),
    spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress"], ingress },
  };
}

function connector(
  ctx: Ctx,
  connectName: string,
  k: {
    name: string;
    class: string;
    tasksMax?: number;
    state?: "running" | "paused" | "stopped";
    config?: Record<string, string | number | boolean>;
  },
): KafkaConnector {
  return {
    apiVersion: STRIMZI_API,
    kind: "KafkaConnector",
    metadata: meta(ctx, k.name, strimziCluster(connectName)),
    spec: {
      class: k.class,
      ...(k.tasksMax ? { tasksMax: k.tasksMax } : {}),
      ...(k.state ? { state: k.state } : {}),
      ...(k.config
        ? { config: Object.fromEntries(Object.entries(k.config).sort(([a], [b]) => a.localeCompare(b))) }
        : {}),
    },
  };
}
