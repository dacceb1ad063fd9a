import type { Ctx } from "../context.js";
import { isTarget } from "../mirrormaker2.js";

/** Grafana's reference to the dashboard variable `datasource`. */
const DATASOURCE = ["$", "{datasource}"].join("");

interface Panel {
  title: string;
  expr: string;
  legend: string;
  unit?: string;
  stat?: boolean;
}

/** A row heading the panels after it (a full-width Grafana row panel). */
interface Row {
  row: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: (Panel | Row)[];
}

/** Grafana dashboard JSON (schemaVersion 39), compact: one query per panel, two panels per line, rows across. */
export function dashboardJson(d: Dashboard): string {
  let y = 0;
  let column = 0;
  const panels = d.panels.map((p, i) => {
    if ("row" in p) {
      if (column > 0) y += 8;
      column = 0;
      const row = {
        id: i + 1,
        type: "row",
        title: p.row,
        collapsed: false,
        gridPos: { h: 1, w: 24, x: 0, y },
        panels: [],
      };
      y += 1;
      return row;
    }
    const gridPos = { h: p.stat ? 4 : 8, w: 12, x: column * 12, y };
    column = (column + 1) % 2;
    if (column === 0) y += 8;
    return {
      id: i + 1,
      type: p.stat ? "stat" : "timeseries",
      title: p.title,
      datasource: { type: "prometheus", uid: DATASOURCE },
      gridPos,
      fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
      targets: [{ refId: "A", expr: p.expr, legendFormat: p.legend }],
    };
  });
  return `${JSON.stringify(
    {
      uid: d.uid,
      title: d.title,
      tags: ["kafka", "strimzi", "kiln"],
      schemaVersion: 39,
      editable: false,
      time: { from: "now-6h", to: "now" },
      refresh: "30s",
      annotations: { list: [] },
      templating: {
        list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source" }],
      },
      panels,
    },
    null,
    2,
  )}\n`;
}

/** The scaling row: Cruise Control's view of balance and rebalances, and the autoscalers' inputs per pool. */
function scalingPanels(s: string): (Panel | Row)[] {
  return [
    { row: "Scaling and Cruise Control" },
    {
      title: "Balancedness score",
      expr: `max(kafka_cruisecontrol_anomalydetector_balancedness_score{${s}})`,
      legend: "score",
      stat: true,
    },
    {
      title: "Rebalance running",
      expr: `max(kafka_cruisecontrol_executor_ongoing_execution{${s}})`,
      legend: "running",
      stat: true,
    },
    {
      title: "Partition movements",
      expr: `sum by (state) (label_replace(kafka_cruisecontrol_executor_replica_action_in_progress{${s}}, "state", "in progress", "", "") or label_replace(kafka_cruisecontrol_executor_replica_action_pending{${s}}, "state", "pending", "", "") or label_replace(kafka_cruisecontrol_executor_replica_action_dead{${s}}, "state", "dead", "", ""))`,
      legend: "{{state}}",
    },
    {
      title: "Unfixable goal violations (needs brokers)",
      expr: `max(kafka_cruisecontrol_anomalydetector_goal_violation_has_unfixable_goals{${s}})`,
      legend: "unfixable",
    },
    {
      title: "Brokers per pool",
      expr: `count by (strimzi_io_pool_name) (kafka_server_replicamanager_partitioncount{${s}})`,
      legend: "{{strimzi_io_pool_name}}",
    },
    {
      title: "Request handlers busy per pool",
      expr: `1 - avg by (strimzi_io_pool_name) (kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${s}})`,
      legend: "{{strimzi_io_pool_name}}",
      unit: "percentunit",
    },
    {
      title: "Bytes in per broker, by pool",
      expr: `avg by (strimzi_io_pool_name) (rate(kafka_server_brokertopicmetrics_bytes_in_total{${s}}[5m]))`,
      legend: "{{strimzi_io_pool_name}}",
      unit: "Bps",
    },
    {
      title: "Load windows with samples",
      expr: `max(kafka_cruisecontrol_loadmonitor_valid_windows{${s}})`,
      legend: "valid windows",
    },
  ];
}

export function dashboards(ctx: Ctx): Dashboard[] {
  const s = `namespace="${ctx.namespace}",strimzi_io_cluster="${ctx.name}"`;
  const out: Dashboard[] = [
    {
      uid: `${ctx.name}-kafka`,
      title: `Kafka ${ctx.name}`,
      panels: [
        {
          title: "Brokers online",
          expr: `max(kafka_controller_kafkacontroller_activebrokercount{${s}})`,
          legend: "brokers",
          stat: true,
        },
        {
          title: "Under-replicated partitions",
          expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{${s}})`,
          legend: "urp",
          stat: true,
        },
        {
          title: "Under min ISR partitions",
          expr: `sum(kafka_server_replicamanager_underminisrpartitioncount{${s}})`,
          legend: "under min isr",
          stat: true,
        },
        {
          title: "Offline partitions",
          expr: `max(kafka_controller_kafkacontroller_offlinepartitionscount{${s}})`,
          legend: "offline",
          stat: true,
        },
        {
          title: "Messages in / s",
          expr: `sum by (pod) (rate(kafka_server_brokertopicmetrics_messages_in_total{${s}}[5m]))`,
          legend: "{{pod}}",
        },
        {
          title: "Bytes in / s",
          expr: `sum by (pod) (rate(kafka_server_brokertopicmetrics_bytes_in_total{${s}}[5m]))`,
          legend: "{{pod}}",
          unit: "Bps",
        },
        {
          title: "Bytes out / s",
          expr: `sum by (pod) (rate(kafka_server_brokertopicmetrics_bytes_out_total{${s}}[5m]))`,
          legend: "{{pod}}",
          unit: "Bps",
        },
        {
          title: "Partitions per broker",
          expr: `kafka_server_replicamanager_partitioncount{${s}}`,
          legend: "{{pod}}",
        },
        {
          title: "Leaders per broker",
          expr: `kafka_server_replicamanager_leadercount{${s}}`,
          legend: "{{pod}}",
        },
        {
          title: "Request handler idle",
          expr: `kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${s}}`,
          legend: "{{pod}}",
          unit: "percentunit",
        },
        {
          title: "Network processor idle",
          expr: `kafka_network_socketserver_networkprocessoravgidlepercent{${s}}`,
          legend: "{{pod}}",
          unit: "percentunit",
        },
        {
          title: "Connections per listener",
          expr: `sum by (listener) (kafka_server_socket_server_metrics_connection_count{${s}})`,
          legend: "{{listener}}",
        },
        {
          title: "Offline log directories",
          expr: `sum by (pod) (kafka_log_logmanager_offlinelogdirectorycount{${s}})`,
          legend: "{{pod}}",
        },
        ...(ctx.cluster.scaling ? scalingPanels(s) : []),
      ],
    },
    {
      uid: `${ctx.name}-kraft`,
      title: `KRaft controllers ${ctx.name}`,
      panels: [
        {
          title: "Active controllers",
          expr: `sum(kafka_controller_kafkacontroller_activecontrollercount{${s}})`,
          legend: "active",
          stat: true,
        },
        {
          title: "Fenced brokers",
          expr: `max(kafka_controller_kafkacontroller_fencedbrokercount{${s}})`,
          legend: "fenced",
          stat: true,
        },
        {
          title: "Topics",
          expr: `max(kafka_controller_kafkacontroller_globaltopiccount{${s}})`,
          legend: "topics",
          stat: true,
        },
        {
          title: "Partitions",
          expr: `max(kafka_controller_kafkacontroller_globalpartitioncount{${s}})`,
          legend: "partitions",
          stat: true,
        },
        {
          title: "Quorum role",
          expr: `kafka_server_raftmetrics_current_state{${s}}`,
          legend: "{{pod}} {{current_state}}",
        },
        { title: "Leader", expr: `max(kafka_server_raftmetrics_current_leader{${s}})`, legend: "leader id" },
        { title: "Epoch", expr: `max(kafka_server_raftmetrics_current_epoch{${s}})`, legend: "epoch" },
        {
          title: "Metadata high watermark",
          expr: `kafka_server_raftmetrics_high_watermark{${s}}`,
          legend: "{{pod}}",
        },
        {
          title: "Commit latency",
          expr: `kafka_server_raftmetrics_commit_latency_avg{${s}}`,
          legend: "{{pod}}",
          unit: "ms",
        },
        {
          title: "Records appended / s",
          expr: `kafka_server_raftmetrics_append_records_rate{${s}}`,
          legend: "{{pod}}",
        },
        {
          title: "Broker metadata lag",
          expr: `kafka_server_brokermetadatametrics_last_applied_record_lag_ms{${s}}`,
          legend: "{{pod}}",
          unit: "ms",
        },
        {
          title: "Metadata errors",
          expr: `max(kafka_controller_kafkacontroller_metadataerrorcount{${s}})`,
          legend: "errors",
        },
      ],
    },
    {
      uid: `${ctx.name}-exporter`,
      title: `Kafka Exporter ${ctx.name}`,
      panels: [
        { title: "Brokers", expr: `max(kafka_brokers{${s}})`, legend: "brokers", stat: true },
        {
          title: "Under-replicated topic partitions",
          expr: `sum(kafka_topic_partition_under_replicated_partition{${s}})`,
          legend: "urp",
          stat: true,
        },
        {
          title: "Consumer group lag",
          expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag{${s}})`,
          legend: "{{consumergroup}} {{topic}}",
        },
        {
          title: "Consumer group members",
          expr: `sum by (consumergroup) (kafka_consumergroup_members{${s}})`,
          legend: "{{consumergroup}}",
        },
        {
          title: "Messages produced / s",
          expr: `sum by (topic) (rate(kafka_topic_partition_current_offset{${s}}[5m]))`,
          legend: "{{topic}}",
        },
        {
          title: "Messages consumed / s",
          expr: `sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset{${s}}[5m]))`,
          legend: "{{consumergroup}} {{topic}}",
        },
        {
          title: "Partitions per topic",
          expr: `max by (topic) (kafka_topic_partitions{${s}})`,
          legend: "{{topic}}",
        },
        {
          title: "Retained messages",
          expr: `sum by (topic) (kafka_topic_partition_current_offset{${s}} - kafka_topic_partition_oldest_offset{${s}})`,
          legend: "{{topic}}",
        },
      ],
    },
  ];
  const connect = (ctx.cluster.connect ?? []).map((c) => c.name);
  if (connect.length > 0) {
    const c = `namespace="${ctx.namespace}",strimzi_io_cluster=~"${connect.sort().join("|")}"`;
    out.push({
      uid: `${ctx.name}-connect`,
      title: `Kafka Connect (${ctx.name})`,
      panels: [
        {
          title: "Connectors",
          expr: `sum by (strimzi_io_cluster) (kafka_connect_worker_connector_count{${c}})`,
          legend: "{{strimzi_io_cluster}}",
        },
        {
          title: "Tasks",
          expr: `sum by (strimzi_io_cluster) (kafka_connect_worker_task_count{${c}})`,
          legend: "{{strimzi_io_cluster}}",
        },
        {
          title: "Connector state",
          expr: `sum by (connector, status) (kafka_connect_connector_status{${c}})`,
          legend: "{{connector}} {{status}}",
        },
        {
          title: "Failed tasks",
          expr: `sum by (connector) (kafka_connect_worker_connector_failed_task_count{${c}})`,
          legend: "{{connector}}",
        },
        {
          title: "Running tasks",
          expr: `sum by (connector) (kafka_connect_worker_connector_running_task_count{${c}})`,
          legend: "{{connector}}",
        },
        {
          title: "Source records polled / s",
          expr: `sum by (connector) (kafka_connect_source_task_source_record_poll_rate{${c}})`,
          legend: "{{connector}}",
        },
        {
          title: "Sink records read / s",
          expr: `sum by (connector) (kafka_connect_sink_task_sink_record_read_rate{${c}})`,
          legend: "{{connector}}",
        },
        {
          title: "Record errors",
          expr: `sum by (connector) (kafka_connect_task_error_total_record_errors{${c}})`,
          legend: "{{connector}}",
        },
        {
          title: "Rebalancing",
          expr: `max by (strimzi_io_cluster) (kafka_connect_worker_rebalance_rebalancing{${c}})`,
          legend: "{{strimzi_io_cluster}}",
        },
        {
          title: "Startup failures",
          expr: `sum by (strimzi_io_cluster) (kafka_connect_worker_connector_startup_failure_total{${c}} + kafka_connect_worker_task_startup_failure_total{${c}})`,
          legend: "{{strimzi_io_cluster}}",
        },
      ],
    });
  }
  const dr = ctx.cluster.disasterRecovery;
  if (dr && isTarget(dr)) {
    const m = `namespace="${ctx.namespace}",strimzi_io_cluster="${dr.peer.name}-to-${ctx.name}"`;
    out.push({
      uid: `${ctx.name}-mirrormaker2`,
      title: `MirrorMaker 2 ${dr.peer.name} to ${ctx.name}`,
      panels: [
        {
          title: "Replication latency (max)",
          expr: `max by (topic) (kafka_connect_mirror_source_connector_replication_latency_ms_max{${m}})`,
          legend: "{{topic}}",
          unit: "ms",
        },
        {
          title: "Record age (max)",
          expr: `max by (topic) (kafka_connect_mirror_source_connector_record_age_ms_max{${m}})`,
          legend: "{{topic}}",
          unit: "ms",
        },
        {
          title: "Records / s",
          expr: `sum by (topic) (kafka_connect_mirror_source_connector_record_rate{${m}})`,
          legend: "{{topic}}",
        },
        {
          title: "Bytes / s",
          expr: `sum by (topic) (kafka_connect_mirror_source_connector_byte_rate{${m}})`,
          legend: "{{topic}}",
          unit: "Bps",
        },
        {
          title: "Checkpoint latency (max)",
          expr: `max by (group) (kafka_connect_mirror_checkpoint_connector_checkpoint_latency_ms_max{${m}})`,
          legend: "{{group}}",
          unit: "ms",
        },
        {
          title: "Connector state",
          expr: `sum by (connector, status) (kafka_connect_connector_status{${m}})`,
          legend: "{{connector}} {{status}}",
        },
        {
          title: "Failed tasks",
          expr: `sum by (connector) (kafka_connect_worker_connector_failed_task_count{${m}})`,
          legend: "{{connector}}",
        },
      ],
    });
  }
  return out;
}
