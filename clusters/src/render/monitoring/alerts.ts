import type { AlertRule, RuleGroup } from "../../wire/monitoring.js";
import type { Ctx } from "../context.js";
import { isTarget } from "../mirrormaker2.js";

/** Alert thresholds with their defaults (overridable in `monitoring.thresholds`). */
export function thresholds(ctx: Ctx) {
  const t = ctx.cluster.monitoring?.thresholds ?? {};
  return {
    consumerLag: t.consumerLag ?? 1000,
    diskFreePercent: t.diskFreePercent ?? 15,
    replicationLatencyMs: t.replicationLatencyMs ?? 30000,
    certificateExpiryDays: t.certificateExpiryDays ?? 30,
    balancednessScore: t.balancednessScore ?? 80,
  };
}

function rule(
  alert: string,
  expr: string,
  forDur: string,
  severity: "critical" | "warning" | "info",
  summary: string,
  description: string,
  labels: Record<string, string> = {},
): AlertRule {
  return { alert, expr, for: forDur, labels: { severity, ...labels }, annotations: { summary, description } };
}

/**
 * Alert rules for one cluster and everything rendered beside it. Selectors
 * name the namespace and Strimzi cluster labels the PodMonitor copies onto
 * every series, so several clusters can share one Prometheus.
 */
export function alertGroups(ctx: Ctx, opts: AlertOptions = {}): RuleGroup[] {
  const groups = ruleGroups(ctx);
  const pending = opts.alertFor;
  if (pending === undefined) return groups;
  // The warnings KafkaNodesDown inhibits wait longer than it, as with the real `for:`s (5m
  // against 3m): otherwise one can reach Alertmanager before the alert that would hold it.
  const longer = longerDuration(pending);
  return groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => ({ ...r, for: INHIBITED_BY_NODES_DOWN.includes(r.alert) ? longer : pending })),
  }));
}

export interface AlertOptions {
  /**
   * Replaces every rule's `for:` (how long a condition must hold before the alert fires), e.g.
   * `5s` where alerts must fire fast (a test environment); the warnings KafkaNodesDown
   * inhibits get three times as long. Expressions are unchanged.
   */
  alertFor?: string;
}

/** The warnings that follow from nodes being down, held while KafkaNodesDown fires. */
const INHIBITED_BY_NODES_DOWN = ["KafkaUnderReplicatedPartitions", "KafkaFencedBrokers", "KafkaExporterDown"];

/** Three times a Prometheus duration of one unit (`2s` → `6s`); another form stays as it is. */
function longerDuration(d: string): string {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  return m ? `${Number(m[1]) * 3}${m[2]}` : d;
}

function ruleGroups(ctx: Ctx): RuleGroup[] {
  const t = thresholds(ctx);
  const groups = [kafkaRules(ctx, t.diskFreePercent)];
  if (ctx.cluster.monitoring?.enabled !== false) groups.push(kafkaExporterRules(ctx, t.consumerLag));
  const connect = connectRules(ctx, t.replicationLatencyMs);
  if (connect) groups.push(connect);
  if (ctx.cluster.scaling) groups.push(cruiseControlRules(ctx, t.balancednessScore));
  groups.push(certificateRules(ctx, t.certificateExpiryDays));
  return groups;
}

/** Fewer than `min` targets matching `labels` are up (none scraped counts as zero). */
function fewerUp(labels: string, min: number): string {
  return `(sum(up{${labels}}) or vector(0)) < ${min}`;
}

/** The brokers and controllers: partitions, the KRaft quorum, log directories, disk space, nodes up. */
function kafkaRules(ctx: Ctx, diskFreePercent: number): RuleGroup {
  const ns = ctx.namespace;
  const sel = `namespace="${ns}",strimzi_io_cluster="${ctx.name}"`;
  const by = "namespace, strimzi_io_cluster";
  const nodes = ctx.pools.reduce((n, p) => n + p.replicas, 0);
  const pvc = `namespace="${ns}",persistentvolumeclaim=~"data(-[0-9]+)?-${ctx.name}-.+"`;
  return {
    name: `${ctx.name}-kafka`,
    rules: [
      rule(
        "KafkaUnderReplicatedPartitions",
        `sum by (${by}) (kafka_server_replicamanager_underreplicatedpartitions{${sel}}) > 0`,
        "5m",
        "warning",
        "Kafka has under-replicated partitions",
        "{{ $value }} partitions of {{ $labels.strimzi_io_cluster }} have fewer in-sync replicas than replicas.",
      ),
      rule(
        "KafkaUnderMinIsrPartitions",
        `sum by (${by}) (kafka_server_replicamanager_underminisrpartitioncount{${sel}}) > 0`,
        "1m",
        "critical",
        "Kafka partitions are below min.insync.replicas",
        "{{ $value }} partitions of {{ $labels.strimzi_io_cluster }} reject acks=all writes.",
      ),
      rule(
        "KafkaOfflinePartitions",
        `max by (${by}) (kafka_controller_kafkacontroller_offlinepartitionscount{${sel}}) > 0`,
        "1m",
        "critical",
        "Kafka has offline partitions",
        "{{ $value }} partitions of {{ $labels.strimzi_io_cluster }} have no leader.",
      ),
      rule(
        "KafkaAbnormalControllerState",
        `sum by (${by}) (kafka_controller_kafkacontroller_activecontrollercount{${sel}}) != 1`,
        "2m",
        "critical",
        "KRaft quorum does not have exactly one active controller",
        "{{ $labels.strimzi_io_cluster }} reports {{ $value }} active controllers.",
      ),
      rule(
        "KafkaFencedBrokers",
        `max by (${by}) (kafka_controller_kafkacontroller_fencedbrokercount{${sel}}) > 0`,
        "5m",
        "warning",
        "Kafka brokers are fenced",
        "{{ $value }} brokers of {{ $labels.strimzi_io_cluster }} are fenced by the controller.",
      ),
      rule(
        "KafkaOfflineLogDirectory",
        `sum by (${by}, pod) (kafka_log_logmanager_offlinelogdirectorycount{${sel}}) > 0`,
        "1m",
        "critical",
        "A Kafka log directory is offline",
        "{{ $labels.pod }} has {{ $value }} offline log directories.",
      ),
      rule(
        "KafkaRunningOutOfSpace",
        `100 * kubelet_volume_stats_available_bytes{${pvc}} / kubelet_volume_stats_capacity_bytes{${pvc}} < ${diskFreePercent}`,
        "10m",
        "warning",
        "A Kafka volume is running out of space",
        "{{ $labels.persistentvolumeclaim }} has {{ $value | humanize }}% free.",
      ),
      rule(
        "KafkaNodesDown",
        fewerUp(`${sel},strimzi_io_kind="Kafka",strimzi_io_name="${ctx.name}-kafka"`, nodes),
        "3m",
        "critical",
        "Kafka nodes are down",
        `Fewer than ${nodes} brokers and controllers of ${ctx.name} are up ({{ $value }}).`,
        { namespace: ns, strimzi_io_cluster: ctx.name },
      ),
    ],
  };
}

/** Kafka Exporter's view of clients: consumer lag, idle topics, and the exporter itself up. */
function kafkaExporterRules(ctx: Ctx, consumerLag: number): RuleGroup {
  const ns = ctx.namespace;
  const sel = `namespace="${ns}",strimzi_io_cluster="${ctx.name}"`;
  return {
    name: `${ctx.name}-kafka-exporter`,
    rules: [
      rule(
        "KafkaConsumerGroupLagTooLarge",
        `max by (namespace, consumergroup, topic) (kafka_consumergroup_lag{${sel}}) > ${consumerLag}`,
        "10m",
        "warning",
        "Consumer group lag is too large",
        `{{ $labels.consumergroup }} is {{ $value }} messages behind on {{ $labels.topic }} (threshold ${consumerLag}).`,
      ),
      rule(
        "KafkaNoMessagesForTooLong",
        `sum by (namespace, topic) (changes(kafka_topic_partition_current_offset{${sel},topic!~"__.*"}[10m])) == 0`,
        "10m",
        "info",
        "No messages written to a topic for 10 minutes",
        "{{ $labels.topic }} received nothing for 10 minutes.",
      ),
      rule(
        "KafkaExporterDown",
        fewerUp(`${sel},strimzi_io_kind="Kafka",strimzi_io_name="${ctx.name}-kafka-exporter"`, 1),
        "5m",
        "warning",
        "Kafka Exporter is down",
        `Lag and offset metrics of ${ctx.name} are missing.`,
        { namespace: ns, strimzi_io_cluster: ctx.name },
      ),
    ],
  };
}

/**
 * Connect clusters and the MirrorMaker 2 replicating into this cluster (itself a Connect
 * cluster): failed connectors and tasks, workers down, replication latency. None without either.
 */
function connectRules(ctx: Ctx, replicationLatencyMs: number): RuleGroup | undefined {
  const ns = ctx.namespace;
  const connect = ctx.cluster.connect ?? [];
  const dr = ctx.cluster.disasterRecovery;
  const mm2 = dr && isTarget(dr) ? [`${dr.peer.name}-to-${ctx.name}`] : [];
  if (connect.length === 0 && mm2.length === 0) return undefined;
  const names = [...connect.map((c) => c.name), ...mm2].sort().join("|");
  const csel = `namespace="${ns}",strimzi_io_cluster=~"${names}"`;
  const rules = [
    rule(
      "KafkaConnectFailedConnector",
      `sum by (namespace, strimzi_io_cluster, connector) (kafka_connect_connector_status{${csel},status="failed"}) > 0`,
      "2m",
      "critical",
      "A connector failed",
      "{{ $labels.connector }} on {{ $labels.strimzi_io_cluster }} is FAILED.",
    ),
    rule(
      "KafkaConnectFailedTask",
      `sum by (namespace, strimzi_io_cluster, connector) (kafka_connect_worker_connector_failed_task_count{${csel}}) > 0`,
      "2m",
      "critical",
      "Connector tasks failed",
      "{{ $value }} tasks of {{ $labels.connector }} on {{ $labels.strimzi_io_cluster }} are FAILED.",
    ),
  ];
  for (const c of connect) {
    const min = c.autoscaling?.minReplicas ?? c.replicas ?? 2;
    rules.push(
      rule(
        `KafkaConnectWorkersDown`,
        fewerUp(`namespace="${ns}",strimzi_io_cluster="${c.name}",strimzi_io_kind="KafkaConnect"`, min),
        "3m",
        "critical",
        "Connect workers are down",
        `Fewer than ${min} workers of ${c.name} are up ({{ $value }}).`,
        { namespace: ns, strimzi_io_cluster: c.name },
      ),
    );
  }
  for (const m of mm2) {
    rules.push(
      rule(
        "MirrorMaker2WorkersDown",
        fewerUp(`namespace="${ns}",strimzi_io_cluster="${m}",strimzi_io_kind="KafkaMirrorMaker2"`, 1),
        "3m",
        "critical",
        "MirrorMaker 2 is down",
        `No worker of ${m} is up: replication from ${dr?.peer.name} has stopped.`,
        { namespace: ns, strimzi_io_cluster: m },
      ),
    );
    rules.push(
      rule(
        "MirrorMaker2ReplicationLatencyHigh",
        `max by (namespace, strimzi_io_cluster) (kafka_connect_mirror_source_connector_replication_latency_ms_max{namespace="${ns}",strimzi_io_cluster="${m}"}) > ${replicationLatencyMs}`,
        "5m",
        "warning",
        "MirrorMaker 2 replication latency is high",
        `${m} replicates with up to {{ $value }} ms latency (threshold ${replicationLatencyMs} ms).`,
      ),
    );
  }
  return { name: `${ctx.name}-connect`, rules };
}

/** Strimzi's certificates (cluster and clients CA) close to expiry. */
function certificateRules(ctx: Ctx, expiryDays: number): RuleGroup {
  return {
    name: `${ctx.name}-certificates`,
    rules: [
      rule(
        "KafkaCertificateExpiring",
        `strimzi_certificate_expiration_timestamp_ms{resource_namespace="${ctx.namespace}",cluster="${ctx.name}"} / 1000 - time() < ${expiryDays} * 24 * 60 * 60`,
        "5m",
        "warning",
        "A Strimzi certificate expires soon",
        `The {{ $labels.type }} certificate of ${ctx.name} expires in less than ${expiryDays} days.`,
      ),
    ],
  };
}

/**
 * Cruise Control: a rebalance that failed (a partition movement that can never finish, or an
 * execution Cruise Control stopped itself), a cluster left unbalanced while nothing moves, and
 * Cruise Control itself down (no rebalance, no scale-down can happen without it).
 */
function cruiseControlRules(ctx: Ctx, threshold: number): RuleGroup {
  const sel = `namespace="${ctx.namespace}",strimzi_io_cluster="${ctx.name}"`;
  const by = "namespace, strimzi_io_cluster";
  const score = `max by (${by}) (kafka_cruisecontrol_anomalydetector_balancedness_score{${sel}})`;
  return {
    name: `${ctx.name}-cruise-control`,
    rules: [
      rule(
        "KafkaRebalanceFailed",
        `max by (${by}) (kafka_cruisecontrol_executor_replica_action_dead{${sel}}) > 0 or sum by (${by}) (increase(kafka_cruisecontrol_executor_execution_stopped_total{${sel}}[15m]) - increase(kafka_cruisecontrol_executor_execution_stopped_by_user_total{${sel}}[15m])) > 0`,
        "1m",
        "warning",
        "A Cruise Control rebalance failed",
        "A rebalance of {{ $labels.strimzi_io_cluster }} stopped before it finished or has partition movements that can never complete; brokers being removed keep their partitions and the scale-down waits. See the KafkaRebalance status and Cruise Control's log.",
      ),
      rule(
        "KafkaClusterUnbalanced",
        `(${score} < ${threshold}) and (${score} >= 0) unless (max by (${by}) (kafka_cruisecontrol_executor_ongoing_execution{${sel}}) > 0)`,
        "30m",
        "warning",
        "The Kafka cluster is left unbalanced",
        `Cruise Control scores the balance of {{ $labels.strimzi_io_cluster }} at {{ $value }} (below ${threshold}) and no rebalance is running: create a KafkaRebalance (mode full) and approve its proposal.`,
      ),
      rule(
        "CruiseControlDown",
        fewerUp(`${sel},strimzi_io_kind="Kafka",strimzi_io_name="${ctx.name}-cruise-control"`, 1),
        "5m",
        "warning",
        "Cruise Control is down",
        `Cruise Control of ${ctx.name} is not up: no rebalance runs and broker pools cannot shrink until it is back.`,
        { namespace: ctx.namespace, strimzi_io_cluster: ctx.name },
      ),
    ],
  };
}

/**
 * Alertmanager routing example: critical pages, warnings go to chat, info is dropped. While
 * nodes of a cluster are down, the warnings that follow from it (under-replicated partitions,
 * fenced brokers, Kafka Exporter timing out on the missing broker) are inhibited for that cluster; the critical partition alerts still page,
 * since they say what clients lose. Receivers read secrets from files.
 */
export function alertmanagerExample(ctx: Ctx): string {
  return `# Example Alertmanager routing for ${ctx.name} (not applied by kustomize).
# Receivers read their credentials from mounted files: no secret in this file.
route:
  receiver: kafka-chat
  group_by: [alertname, namespace, strimzi_io_cluster]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['namespace="${ctx.namespace}"', 'severity="critical"']
      receiver: kafka-pager
      repeat_interval: 1h
    - matchers: ['namespace="${ctx.namespace}"', 'severity="info"']
      receiver: "null"
inhibit_rules:
  - source_matchers: ['alertname="KafkaNodesDown"']
    target_matchers: ['alertname=~"${INHIBITED_BY_NODES_DOWN.join("|")}"']
    equal: [namespace, strimzi_io_cluster]
receivers:
  - name: kafka-pager
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty/routing-key
  - name: kafka-chat
    slack_configs:
      - api_url_file: /etc/alertmanager/secrets/slack/webhook-url
        channel: "#kafka-${ctx.name}"
  - name: "null"
`;
}
