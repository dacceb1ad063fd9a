// JMX Prometheus exporter rules kiln renders. Every rule names its metric
// literally (no `$1` in names), so the set of metric names each exporter
// produces is known statically: dashboards and alerts are checked against it.

export interface JmxRule {
  pattern: string;
  name: string;
  type: "GAUGE" | "COUNTER" | "UNTYPED";
  help: string;
  labels?: Record<string, string>;
  value?: number;
}

const g = (pattern: string, name: string, help: string, labels?: Record<string, string>): JmxRule => ({
  pattern,
  name,
  type: "GAUGE",
  help,
  ...(labels ? { labels } : {}),
});
const c = (pattern: string, name: string, help: string, labels?: Record<string, string>): JmxRule => ({
  pattern,
  name,
  type: "COUNTER",
  help,
  ...(labels ? { labels } : {}),
});
const value = (bean: string, attr = "Value") => `${bean}><>${attr}`;

/** Brokers and KRaft controllers (one exporter config for the Kafka resource). */
export const KAFKA_RULES: JmxRule[] = [
  g(
    value("kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions"),
    "kafka_server_replicamanager_underreplicatedpartitions",
    "Partitions led here with fewer in-sync replicas than replicas",
  ),
  g(
    value("kafka.server<type=ReplicaManager, name=UnderMinIsrPartitionCount"),
    "kafka_server_replicamanager_underminisrpartitioncount",
    "Partitions led here below min.insync.replicas",
  ),
  g(
    value("kafka.server<type=ReplicaManager, name=AtMinIsrPartitionCount"),
    "kafka_server_replicamanager_atminisrpartitioncount",
    "Partitions led here exactly at min.insync.replicas",
  ),
  g(
    value("kafka.server<type=ReplicaManager, name=OfflineReplicaCount"),
    "kafka_server_replicamanager_offlinereplicacount",
    "Offline replicas on this broker",
  ),
  g(
    value("kafka.server<type=ReplicaManager, name=PartitionCount"),
    "kafka_server_replicamanager_partitioncount",
    "Partitions on this broker",
  ),
  g(
    value("kafka.server<type=ReplicaManager, name=LeaderCount"),
    "kafka_server_replicamanager_leadercount",
    "Partitions led by this broker",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=ActiveControllerCount"),
    "kafka_controller_kafkacontroller_activecontrollercount",
    "1 on the active KRaft controller",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=OfflinePartitionsCount"),
    "kafka_controller_kafkacontroller_offlinepartitionscount",
    "Partitions without a leader",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=GlobalPartitionCount"),
    "kafka_controller_kafkacontroller_globalpartitioncount",
    "Partitions in the cluster",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=GlobalTopicCount"),
    "kafka_controller_kafkacontroller_globaltopiccount",
    "Topics in the cluster",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=ActiveBrokerCount"),
    "kafka_controller_kafkacontroller_activebrokercount",
    "Unfenced brokers",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=FencedBrokerCount"),
    "kafka_controller_kafkacontroller_fencedbrokercount",
    "Fenced brokers",
  ),
  g(
    value("kafka.controller<type=KafkaController, name=MetadataErrorCount"),
    "kafka_controller_kafkacontroller_metadataerrorcount",
    "Errors applying metadata records",
  ),
  g(
    value("kafka.log<type=LogManager, name=OfflineLogDirectoryCount"),
    "kafka_log_logmanager_offlinelogdirectorycount",
    "Log directories offline on this broker",
  ),
  c(
    value("kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec", "Count"),
    "kafka_server_brokertopicmetrics_messages_in_total",
    "Messages received",
  ),
  c(
    value("kafka.server<type=BrokerTopicMetrics, name=BytesInPerSec", "Count"),
    "kafka_server_brokertopicmetrics_bytes_in_total",
    "Bytes received from clients",
  ),
  c(
    value("kafka.server<type=BrokerTopicMetrics, name=BytesOutPerSec", "Count"),
    "kafka_server_brokertopicmetrics_bytes_out_total",
    "Bytes sent to clients",
  ),
  g(
    value("kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent", "OneMinuteRate"),
    "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent",
    "Request handler idle ratio (1m)",
  ),
  g(
    value("kafka.network<type=SocketServer, name=NetworkProcessorAvgIdlePercent"),
    "kafka_network_socketserver_networkprocessoravgidlepercent",
    "Network processor idle ratio",
  ),
  g(
    "kafka.server<type=socket-server-metrics, listener=(.+), networkProcessor=(.+)><>connection-count",
    "kafka_server_socket_server_metrics_connection_count",
    "Open connections",
    { listener: "$1", network_processor: "$2" },
  ),
  {
    pattern: "kafka.server<type=raft-metrics><>current-state: (.+)",
    name: "kafka_server_raftmetrics_current_state",
    type: "UNTYPED",
    value: 1,
    help: "KRaft role of this node (label current_state)",
    labels: { current_state: "$1" },
  },
  g(
    "kafka.server<type=raft-metrics><>current-leader",
    "kafka_server_raftmetrics_current_leader",
    "Node id of the KRaft leader",
  ),
  g(
    "kafka.server<type=raft-metrics><>current-epoch",
    "kafka_server_raftmetrics_current_epoch",
    "Current KRaft epoch",
  ),
  g(
    "kafka.server<type=raft-metrics><>high-watermark",
    "kafka_server_raftmetrics_high_watermark",
    "Metadata log high watermark",
  ),
  g(
    "kafka.server<type=raft-metrics><>commit-latency-avg",
    "kafka_server_raftmetrics_commit_latency_avg",
    "Average metadata commit latency (ms)",
  ),
  g(
    "kafka.server<type=raft-metrics><>append-records-rate",
    "kafka_server_raftmetrics_append_records_rate",
    "Metadata records appended per second",
  ),
  g(
    "kafka.server<type=broker-metadata-metrics><>last-applied-record-lag-ms",
    "kafka_server_brokermetadatametrics_last_applied_record_lag_ms",
    "How far behind the metadata log this broker is (ms)",
  ),
];

/** Connect workers (also loaded by MirrorMaker 2, which runs on Connect). */
export const CONNECT_RULES: JmxRule[] = [
  g(
    "kafka.connect<type=connect-worker-metrics><>connector-count",
    "kafka_connect_worker_connector_count",
    "Connectors on this worker",
  ),
  g(
    "kafka.connect<type=connect-worker-metrics><>task-count",
    "kafka_connect_worker_task_count",
    "Tasks on this worker",
  ),
  // A COUNTER: the exporter drops `_total` from a gauge's name and exposes counters as `<name>_total`.
  c(
    "kafka.connect<type=connect-worker-metrics><>connector-startup-failure-total",
    "kafka_connect_worker_connector_startup_failure_total",
    "Connector starts that failed",
  ),
  // A COUNTER: the exporter drops `_total` from a gauge's name and exposes counters as `<name>_total`.
  c(
    "kafka.connect<type=connect-worker-metrics><>task-startup-failure-total",
    "kafka_connect_worker_task_startup_failure_total",
    "Task starts that failed",
  ),
  g(
    "kafka.connect<type=connect-worker-metrics, connector=(.+)><>connector-failed-task-count",
    "kafka_connect_worker_connector_failed_task_count",
    "Failed tasks of a connector",
    { connector: "$1" },
  ),
  g(
    "kafka.connect<type=connect-worker-metrics, connector=(.+)><>connector-running-task-count",
    "kafka_connect_worker_connector_running_task_count",
    "Running tasks of a connector",
    { connector: "$1" },
  ),
  g(
    "kafka.connect<type=connect-worker-rebalance-metrics><>rebalancing",
    "kafka_connect_worker_rebalance_rebalancing",
    "1 while the worker group rebalances",
  ),
  {
    pattern: "kafka.connect<type=connector-metrics, connector=(.+)><>status: ([a-z-]+)",
    name: "kafka_connect_connector_status",
    type: "UNTYPED",
    value: 1,
    help: "Connector state (label status)",
    labels: { connector: "$1", status: "$2" },
  },
  g(
    "kafka.connect<type=source-task-metrics, connector=(.+), task=(.+)><>source-record-poll-rate",
    "kafka_connect_source_task_source_record_poll_rate",
    "Records polled per second",
    { connector: "$1", task: "$2" },
  ),
  g(
    "kafka.connect<type=sink-task-metrics, connector=(.+), task=(.+)><>sink-record-read-rate",
    "kafka_connect_sink_task_sink_record_read_rate",
    "Records read per second",
    { connector: "$1", task: "$2" },
  ),
  g(
    "kafka.connect<type=task-error-metrics, connector=(.+), task=(.+)><>total-record-errors",
    "kafka_connect_task_error_total_record_errors",
    "Records that failed",
    { connector: "$1", task: "$2" },
  ),
];

/**
 * MirrorSourceConnector partition metrics. Kafka 4.3 registers them as Connect plugin metrics
 * (`kafka.connect:type=plugins,connector=…,task=…,source=…,target=…,topic=…,partition=…`);
 * earlier releases under `kafka.connect.mirror:type=MirrorSourceConnector`. One name, same labels, both layouts.
 */
function mirrorSource(attr: string, name: string, help: string): JmxRule[] {
  const labels = { source: "$1", target: "$2", topic: "$3", partition: "$4" };
  return [
    g(
      `kafka.connect<type=plugins, connector=.+, task=.+, source=(.+), target=(.+), topic=(.+), partition=([0-9]+)><>${attr}`,
      name,
      help,
      labels,
    ),
    g(
      `kafka.connect.mirror<type=MirrorSourceConnector, source=(.+), target=(.+), topic=(.+), partition=([0-9]+)><>${attr}`,
      name,
      help,
      labels,
    ),
  ];
}

export const MIRRORMAKER2_RULES: JmxRule[] = [
  ...CONNECT_RULES,
  ...mirrorSource(
    "replication-latency-ms-max",
    "kafka_connect_mirror_source_connector_replication_latency_ms_max",
    "Max replication latency (ms)",
  ),
  ...mirrorSource(
    "record-age-ms-max",
    "kafka_connect_mirror_source_connector_record_age_ms_max",
    "Max age of replicated records (ms)",
  ),
  ...mirrorSource(
    "record-rate",
    "kafka_connect_mirror_source_connector_record_rate",
    "Records replicated per second",
  ),
  ...mirrorSource(
    "byte-rate",
    "kafka_connect_mirror_source_connector_byte_rate",
    "Bytes replicated per second",
  ),
  g(
    "kafka.connect.mirror<type=MirrorCheckpointConnector, source=(.+), target=(.+), group=(.+), topic=(.+), partition=([0-9]+)><>checkpoint-latency-ms-max",
    "kafka_connect_mirror_checkpoint_connector_checkpoint_latency_ms_max",
    "Max checkpoint latency (ms)",
    { source: "$1", target: "$2", group: "$3", topic: "$4", partition: "$5" },
  ),
];

/** Cruise Control's own sensors (Dropwizard metrics: gauges read `Value`, meters `Count`). */
const cruiseControl = (sensor: string, attr = "Value") => `kafka.cruisecontrol<name=${sensor}><>${attr}`;
export const CRUISE_CONTROL_RULES: JmxRule[] = [
  g(
    cruiseControl("AnomalyDetector.balancedness-score"),
    "kafka_cruisecontrol_anomalydetector_balancedness_score",
    "Balancedness score: 100 balanced, 0 unbalanced, -1 dead brokers or disks",
  ),
  g(
    cruiseControl("AnomalyDetector.GOAL_VIOLATION-has-unfixable-goals"),
    "kafka_cruisecontrol_anomalydetector_goal_violation_has_unfixable_goals",
    "1 when goals are violated that no rebalance can fix (the cluster needs more brokers)",
  ),
  g(
    cruiseControl("Executor.ongoing-execution-non-kafka_assigner"),
    "kafka_cruisecontrol_executor_ongoing_execution",
    "1 while a rebalance executes",
  ),
  g(
    cruiseControl("Executor.replica-action-in-progress"),
    "kafka_cruisecontrol_executor_replica_action_in_progress",
    "Partition movements in progress",
  ),
  g(
    cruiseControl("Executor.replica-action-pending"),
    "kafka_cruisecontrol_executor_replica_action_pending",
    "Partition movements waiting",
  ),
  g(
    cruiseControl("Executor.replica-action-dead"),
    "kafka_cruisecontrol_executor_replica_action_dead",
    "Partition movements that can never finish (a broker died under them)",
  ),
  g(
    cruiseControl("Executor.replica-action-aborted"),
    "kafka_cruisecontrol_executor_replica_action_aborted",
    "Partition movements aborted",
  ),
  c(
    cruiseControl("Executor.execution-stopped", "Count"),
    "kafka_cruisecontrol_executor_execution_stopped_total",
    "Rebalances stopped before they finished, by a user or by Cruise Control",
  ),
  c(
    cruiseControl("Executor.execution-stopped-by-user", "Count"),
    "kafka_cruisecontrol_executor_execution_stopped_by_user_total",
    "Rebalances stopped by a user",
  ),
  g(
    cruiseControl("LoadMonitor.valid-windows"),
    "kafka_cruisecontrol_loadmonitor_valid_windows",
    "Load windows with enough samples (proposals need them)",
  ),
  g(
    cruiseControl("LoadMonitor.monitored-partitions-percentage"),
    "kafka_cruisecontrol_loadmonitor_monitored_partitions_percentage",
    "Share of partitions with valid load samples",
  ),
];

/** Metrics Kafka Exporter produces (topic and consumer-group offsets). */
export const KAFKA_EXPORTER_METRICS = [
  "kafka_brokers",
  "kafka_consumergroup_current_offset",
  "kafka_consumergroup_lag",
  "kafka_consumergroup_lag_sum",
  "kafka_consumergroup_members",
  "kafka_topic_partition_current_offset",
  "kafka_topic_partition_in_sync_replica",
  "kafka_topic_partition_leader",
  "kafka_topic_partition_oldest_offset",
  "kafka_topic_partition_replicas",
  "kafka_topic_partition_under_replicated_partition",
  "kafka_topic_partitions",
] as const;

/** The exporter config file (YAML) for a rule set; keys in a fixed order. */
/**
 * The MBeans the rules can match (`domain:type=X,*`, or `domain:name=X,*` for Cruise Control), so the exporter reads only those: a broker
 * has thousands of MBeans, and scraping them all takes seconds on a busy node. Undefined when a
 * pattern names no literal domain and type (then every MBean must be read).
 */
export function includeObjectNames(rules: JmxRule[]): string[] | undefined {
  const out = new Set<string>();
  for (const r of rules) {
    const m = /^([A-Za-z0-9_.-]+)<(type|name)=([A-Za-z0-9_.-]+)[,>]/.exec(r.pattern);
    if (!m) return undefined;
    out.add(`${m[1]}:${m[2]}=${m[3]},*`);
  }
  return [...out].sort();
}

export function exporterConfig(rules: JmxRule[]): string {
  const lines = ["lowercaseOutputName: true", "lowercaseOutputLabelNames: true"];
  const include = includeObjectNames(rules);
  if (include) {
    lines.push("includeObjectNames:");
    for (const n of include) lines.push(`  - ${JSON.stringify(n)}`);
  }
  lines.push("rules:");
  for (const r of rules) {
    lines.push(`  # ${r.help}`);
    lines.push(`  - pattern: ${JSON.stringify(r.pattern)}`);
    lines.push(`    name: ${r.name}`);
    lines.push(`    type: ${r.type}`);
    if (r.value !== undefined) lines.push(`    value: ${r.value}`);
    if (r.labels) {
      lines.push("    labels:");
      for (const [k, v] of Object.entries(r.labels)) lines.push(`      ${k}: ${JSON.stringify(v)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function metricNames(rules: JmxRule[]): Set<string> {
  return new Set(rules.map((r) => r.name));
}
