// Brokers that follow their workload (`scaling`): Cruise Control with goals that respect the
// zones, Strimzi's auto-rebalancing on added and removed brokers with its KafkaRebalance
// templates, and an autoscaler per broker node pool on the scale subresource of its
// KafkaNodePool. Pure.
import type { BrokerAutoscaling, NodePool } from "@kiln/schemas";
import { stringify } from "yaml";
import type { HorizontalPodAutoscaler, HpaMetric } from "../wire/k8s.js";
import type { CruiseControlSpec, KafkaRebalance } from "../wire/strimzi.js";
import { STRIMZI_API } from "../wire/strimzi.js";
import { type Ctx, meta, strimziCluster } from "./context.js";
import {
  BROKER_METRICS,
  CAPACITY_GOALS,
  CRUISE_CONTROL_DEFAULTS,
  CRUISE_CONTROL_GOAL_PACKAGE,
  DISTRIBUTION_GOALS,
  jmxMetricsConfig,
} from "./defaults.js";

export const CRUISE_CONTROL_METRICS_CONFIGMAP = (cluster: string) => `${cluster}-cruise-control-metrics`;
export const REBALANCE_TEMPLATE = (cluster: string, mode: "add-brokers" | "remove-brokers") =>
  `${cluster}-${mode}`;
/** Strimzi's annotation marking a KafkaRebalance as a template for auto-rebalancing. */
export const REBALANCE_TEMPLATE_ANNOTATION = "strimzi.io/rebalance-template";

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** `125MiB/s` → bytes per second (the form Strimzi's brokerCapacity takes). */
export function byteRate(rate: string): number {
  const m = /^([0-9]+)([KMG]i?)?B\/s$/.exec(rate);
  if (!m) throw new Error(`not a byte rate: ${rate}`);
  return Number(m[1]) * (BYTE_UNITS[m[2] ?? ""] ?? 1);
}

const QUANTITY_UNITS: Record<string, number> = {
  ...BYTE_UNITS,
  m: 1e-3,
  k: 1e3,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`8Gi`, `500m`, `2`) as a number. */
export function quantity(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * (QUANTITY_UNITS[m[2] ?? ""] ?? Number.NaN);
}

export const brokerPools = (ctx: Ctx): NodePool[] => ctx.pools.filter((p) => p.roles.includes("broker"));

const goal = (name: string) => `${CRUISE_CONTROL_GOAL_PACKAGE}.${name}`;

/**
 * The goals Cruise Control optimizes, hard ones first. With zones, replicas of a partition go to
 * different zones: strictly (RackAwareGoal) when there are at least as many zones as replicas,
 * else as evenly as the zones allow (RackAwareDistributionGoal). Capacity goals are hard: no
 * broker above its disk, CPU, network or replica capacity.
 */
export function cruiseControlGoals(ctx: Ctx): { hard: string[]; soft: string[]; rack?: string } {
  const zones = ctx.zoneKey ? (ctx.cluster.placement?.zones?.length ?? 0) : 0;
  const rf = Number(
    ctx.cluster.kafka.config?.["default.replication.factor"] ?? ctx.cluster.kafka.replicationFactor ?? 3,
  );
  const rack = zones === 0 ? undefined : zones >= rf ? "RackAwareGoal" : "RackAwareDistributionGoal";
  return {
    hard: [...(rack ? [rack] : []), ...CAPACITY_GOALS],
    soft: [...DISTRIBUTION_GOALS],
    ...(rack ? { rack } : {}),
  };
}

/**
 * Replicas one broker may hold (ReplicaCapacityGoal): every replica keeps open segments and
 * index maps, so 1000 per GiB of the smallest broker pool's memory, within Cruise Control's
 * default ceiling of 10000.
 */
export function maxReplicasPerBroker(ctx: Ctx): number {
  const declared = ctx.cluster.scaling?.cruiseControl?.maxReplicasPerBroker;
  if (declared) return declared;
  const memories = brokerPools(ctx).map((p) => p.resources?.limits?.memory ?? p.resources?.requests?.memory);
  if (memories.some((m) => m === undefined)) return CRUISE_CONTROL_DEFAULTS.maxReplicasPerBrokerCeiling;
  const gib = Math.min(...memories.map((m) => quantity(m as string) / 2 ** 30));
  const { replicasPerGib, maxReplicasPerBrokerFloor, maxReplicasPerBrokerCeiling } = CRUISE_CONTROL_DEFAULTS;
  return Math.max(
    maxReplicasPerBrokerFloor,
    Math.min(maxReplicasPerBrokerCeiling, Math.floor(gib * replicasPerGib)),
  );
}

export function networkCapacity(ctx: Ctx): { inbound: string; outbound: string } {
  const n = ctx.cluster.scaling?.cruiseControl?.networkCapacity;
  return {
    inbound: n?.inbound ?? CRUISE_CONTROL_DEFAULTS.networkCapacity,
    outbound: n?.outbound ?? CRUISE_CONTROL_DEFAULTS.networkCapacity,
  };
}

export const autoRebalance = (ctx: Ctx): boolean =>
  ctx.cluster.scaling?.cruiseControl?.autoRebalance !== false;

/** `spec.cruiseControl` of the Kafka resource, or undefined without `scaling`. */
export function renderCruiseControl(ctx: Ctx): CruiseControlSpec | undefined {
  const s = ctx.cluster.scaling;
  if (!s) return undefined;
  const { hard, soft } = cruiseControlGoals(ctx);
  const list = (goals: string[]) => goals.map(goal).join(",");
  const net = networkCapacity(ctx);
  const spec: CruiseControlSpec = {
    brokerCapacity: { inboundNetwork: net.inbound, outboundNetwork: net.outbound },
    config: {
      // `goals` must hold `default.goals`, which must hold `hard.goals`.
      goals: list([...hard, ...soft]),
      "default.goals": list([...hard, ...soft]),
      "hard.goals": list(hard),
      // What the anomaly detector checks (and scores balancedness on): the hard goals and the
      // distribution of replicas and disk, the two that strand a scaled cluster.
      "anomaly.detection.goals": list([...hard, "ReplicaDistributionGoal", "DiskUsageDistributionGoal"]),
      "max.replicas.per.broker": maxReplicasPerBroker(ctx),
    },
  };
  if (s.cruiseControl?.resources) spec.resources = structuredClone(s.cruiseControl.resources);
  if (ctx.cluster.monitoring?.enabled !== false)
    spec.metricsConfig = jmxMetricsConfig(CRUISE_CONTROL_METRICS_CONFIGMAP(ctx.name));
  if (autoRebalance(ctx))
    spec.autoRebalance = (["add-brokers", "remove-brokers"] as const).map((mode) => ({
      mode,
      template: { name: REBALANCE_TEMPLATE(ctx.name, mode) },
    }));
  return spec;
}

/**
 * The KafkaRebalance templates Strimzi copies when it rebalances on its own: onto new brokers
 * after a scale-up, off the leaving brokers before a scale-down. Strimzi fills in mode and brokers.
 */
export function renderRebalanceTemplates(ctx: Ctx): KafkaRebalance[] {
  if (!ctx.cluster.scaling || !autoRebalance(ctx)) return [];
  const cc = ctx.cluster.scaling.cruiseControl ?? {};
  return (["add-brokers", "remove-brokers"] as const).map((mode) => ({
    apiVersion: STRIMZI_API,
    kind: "KafkaRebalance",
    metadata: {
      ...meta(ctx, REBALANCE_TEMPLATE(ctx.name, mode), strimziCluster(ctx.name)),
      annotations: { [REBALANCE_TEMPLATE_ANNOTATION]: "true" },
    },
    spec: {
      concurrentPartitionMovementsPerBroker:
        cc.concurrentPartitionMovementsPerBroker ??
        CRUISE_CONTROL_DEFAULTS.concurrentPartitionMovementsPerBroker,
      ...(cc.replicationThrottle ? { replicationThrottle: byteRate(cc.replicationThrottle) } : {}),
    },
  }));
}

/** What one broker autoscaler targets, with every default applied. */
export function autoscalerTargets(ctx: Ctx, a: BrokerAutoscaling) {
  const pool = ctx.pools.find((p) => p.name === a.pool);
  const inbound = byteRate(networkCapacity(ctx).inbound);
  return {
    minReplicas: a.minReplicas ?? pool?.replicas ?? 1,
    maxReplicas: a.maxReplicas,
    busy: (a.requestHandlerBusyPercent ?? CRUISE_CONTROL_DEFAULTS.requestHandlerBusyPercent) / 100,
    bytesIn: a.bytesInPerBroker
      ? byteRate(a.bytesInPerBroker)
      : Math.floor(inbound * CRUISE_CONTROL_DEFAULTS.bytesInShareOfCapacity),
    disk: (a.diskUsedPercent ?? CRUISE_CONTROL_DEFAULTS.diskUsedPercent) / 100,
  };
}

/** A ratio as a Kubernetes quantity in thousandths (`0.7` → `700m`). */
const milli = (ratio: number) => `${Math.round(ratio * 1000)}m`;

const podsMetric = (name: string, averageValue: string): HpaMetric => ({
  type: "Pods",
  pods: { metric: { name }, target: { type: "AverageValue", averageValue } },
});

/**
 * One autoscaler per autoscaled broker pool, on the KafkaNodePool's scale subresource. Its
 * metrics are per broker pod (prometheus-adapter serves them from what the rendered exporters
 * and the kubelet export, see `adapterRules`); the autoscaler averages them over the pool's pods.
 * Each step moves partitions (an add-brokers or remove-brokers rebalance), so it adds one broker
 * per zone at a time and removes one broker per half hour after an hour of low load.
 */
export function renderBrokerAutoscalers(ctx: Ctx): HorizontalPodAutoscaler[] {
  const zones = ctx.zoneKey ? (ctx.cluster.placement?.zones?.length ?? 1) : 1;
  const b = CRUISE_CONTROL_DEFAULTS.behavior;
  return (ctx.cluster.scaling?.autoscaling ?? []).map((a) => {
    const t = autoscalerTargets(ctx, a);
    return {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: meta(ctx, `${ctx.name}-${a.pool}`, strimziCluster(ctx.name)),
      spec: {
        scaleTargetRef: { apiVersion: STRIMZI_API, kind: "KafkaNodePool", name: a.pool },
        minReplicas: t.minReplicas,
        maxReplicas: t.maxReplicas,
        metrics: [
          podsMetric(BROKER_METRICS.busy, milli(t.busy)),
          podsMetric(BROKER_METRICS.bytesIn, String(t.bytesIn)),
          podsMetric(BROKER_METRICS.disk, milli(t.disk)),
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: b.scaleUpWindowSeconds,
            selectPolicy: "Max",
            policies: [{ type: "Pods", value: zones, periodSeconds: b.scaleUpPeriodSeconds }],
          },
          scaleDown: {
            stabilizationWindowSeconds: b.scaleDownWindowSeconds,
            selectPolicy: "Min",
            policies: [{ type: "Pods", value: 1, periodSeconds: b.scaleDownPeriodSeconds }],
          },
        },
      },
    };
  });
}

/** A prometheus-adapter rule serving one per-pod metric (`<<…>>` are the adapter's templates). */
export interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

const POD_RESOURCES = { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } };

/**
 * The custom-metrics rules the broker autoscalers need in prometheus-adapter's configuration:
 * the same for every cluster (the adapter restricts each query to the pods of the autoscaled
 * pool). The disk ratio joins the kubelet's volume statistics to the broker pods by the names
 * Strimzi gives their claims, `data[-<volume>]-<pod>`.
 */
export function adapterRules(): AdapterRule[] {
  const rule = (series: string, as: string, metricsQuery: string): AdapterRule => ({
    seriesQuery: `${series}{namespace!="",pod!=""}`,
    resources: structuredClone(POD_RESOURCES),
    name: { matches: "^.*$", as },
    metricsQuery,
  });
  return [
    rule(
      "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent",
      BROKER_METRICS.busy,
      "1 - avg by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
    ),
    rule(
      "kafka_server_brokertopicmetrics_bytes_in_total",
      BROKER_METRICS.bytesIn,
      "sum by (<<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[2m]))",
    ),
    rule(
      "kafka_server_replicamanager_partitioncount",
      BROKER_METRICS.disk,
      'max by (<<.GroupBy>>) (label_replace(kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes, "pod", "$1", "persistentvolumeclaim", "data-(?:[0-9]+-)?(.+)") * on (namespace, pod) group_left () (0 * max by (namespace, pod) (<<.Series>>{<<.LabelMatchers>>}) + 1))',
    ),
  ];
}

/** `monitoring/prometheus-adapter-rules.yaml`: the rules to merge into prometheus-adapter's configuration. */
export function adapterConfig(): string {
  return `# prometheus-adapter rules the broker autoscalers read (custom.metrics.k8s.io, per broker pod).
# Not applied by kustomize: merge them into the adapter's configuration (the \`rules:\` of its
# config.yaml, or \`rules.custom\` of the prometheus-community/prometheus-adapter chart).
${stringify({ rules: adapterRules() }, { lineWidth: 0 })}`;
}
