import type { ConfigMap } from "../../wire/k8s.js";
import type { PodMonitor, PrometheusRule } from "../../wire/monitoring.js";
import { CONNECT_METRICS_CONFIGMAP } from "../connect.js";
import { type Ctx, defined, meta } from "../context.js";
import { METRICS_CONFIG_KEY, METRICS_PORT_NAME } from "../defaults.js";
import { KAFKA_METRICS_CONFIGMAP } from "../kafka.js";
import { isTarget, MM2_METRICS_CONFIGMAP } from "../mirrormaker2.js";
import { CRUISE_CONTROL_METRICS_CONFIGMAP } from "../scaling.js";
import { type AlertOptions, alertGroups } from "./alerts.js";
import { dashboardJson, dashboards } from "./dashboards.js";
import {
  CONNECT_RULES,
  CRUISE_CONTROL_RULES,
  exporterConfig,
  KAFKA_RULES,
  MIRRORMAKER2_RULES,
} from "./jmx-rules.js";

export type MonitoringObject = ConfigMap | PodMonitor | PrometheusRule;

function configMap(
  ctx: Ctx,
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ctx, name, labels), data };
}

export function renderMonitoring(ctx: Ctx, opts: AlertOptions = {}): MonitoringObject[] {
  if (ctx.cluster.monitoring?.enabled === false) return [];
  const promLabels = defined(ctx.cluster.monitoring?.prometheusLabels);
  const out: MonitoringObject[] = [
    configMap(ctx, KAFKA_METRICS_CONFIGMAP(ctx.name), { [METRICS_CONFIG_KEY]: exporterConfig(KAFKA_RULES) }),
  ];
  if (ctx.cluster.scaling)
    out.push(
      configMap(ctx, CRUISE_CONTROL_METRICS_CONFIGMAP(ctx.name), {
        [METRICS_CONFIG_KEY]: exporterConfig(CRUISE_CONTROL_RULES),
      }),
    );
  for (const c of ctx.cluster.connect ?? [])
    out.push(
      configMap(ctx, CONNECT_METRICS_CONFIGMAP(c.name), {
        [METRICS_CONFIG_KEY]: exporterConfig(CONNECT_RULES),
      }),
    );
  const dr = ctx.cluster.disasterRecovery;
  if (dr && isTarget(dr))
    out.push(
      configMap(ctx, MM2_METRICS_CONFIGMAP(`${dr.peer.name}-to-${ctx.name}`), {
        [METRICS_CONFIG_KEY]: exporterConfig(MIRRORMAKER2_RULES),
      }),
    );

  out.push({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: meta(ctx, `${ctx.name}-metrics`, promLabels),
    spec: {
      selector: {
        matchExpressions: [
          { key: "strimzi.io/kind", operator: "In", values: ["Kafka", "KafkaConnect", "KafkaMirrorMaker2"] },
        ],
      },
      namespaceSelector: { matchNames: [ctx.namespace] },
      podMetricsEndpoints: [
        {
          port: METRICS_PORT_NAME,
          path: "/metrics",
          interval: "30s",
          relabelings: [
            { action: "labelmap", regex: "__meta_kubernetes_pod_label_(strimzi_io_.+)", replacement: "$1" },
            { sourceLabels: ["__meta_kubernetes_namespace"], targetLabel: "namespace", action: "replace" },
            { sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "pod", action: "replace" },
            {
              sourceLabels: ["__meta_kubernetes_pod_node_name"],
              targetLabel: "node_name",
              action: "replace",
            },
          ],
        },
      ],
    },
  });
  out.push({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: meta(ctx, `${ctx.name}-alerts`, promLabels),
    spec: { groups: alertGroups(ctx, opts) },
  });
  for (const d of dashboards(ctx))
    out.push(
      configMap(
        ctx,
        `${d.uid}-dashboard`,
        { [`${d.uid}.json`]: dashboardJson(d) },
        { grafana_dashboard: "1" },
      ),
    );
  return out;
}
