// Every rendered PrometheusRule passes `promtool check rules`, and every alert
// has a `promtool test rules` case with synthetic series that make it fire and
// one that keeps it quiet. Runs the real promtool (Debian's prometheus package).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { PrometheusRule } from "@kiln/clusters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { adapterRules } from "../../../clusters/src/render/scaling.js";
import { exampleFiles, loadExample } from "../../../clusters/src/testing/examples.js";

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-promtool-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run("promtool", args, { cwd: dir });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

function rulesOf(file: string): PrometheusRule {
  const rule = loadExample(file)
    .result.items.map((i) => i.object)
    .find((o) => o.kind === "PrometheusRule");
  if (rule?.kind !== "PrometheusRule") throw new Error(`${file} renders no PrometheusRule`);
  return rule;
}

interface Case {
  example: string;
  alert: string;
  /** `series` → `values` (promtool expanding notation), 1m apart. */
  firing: Record<string, string>;
  quiet: Record<string, string>;
  evalTime: string;
  labels: Record<string, string>;
}

const K = 'namespace="kafka",strimzi_io_cluster="orders"';
const up = (n: number, extra: string) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`up{${extra},pod="p${i}"}`, "1x40"]));
const KAFKA_UP = `${K},strimzi_io_kind="Kafka",strimzi_io_name="orders-kafka"`;
const gauge = (
  metric: string,
  labels: Record<string, string>,
  severity: string,
  extra = "",
): Omit<Case, "alert"> => ({
  example: "three-zone/cluster.yaml",
  firing: { [`${metric}{${K}${extra}}`]: "0 1x40" },
  quiet: { [`${metric}{${K}${extra}}`]: "0x40" },
  evalTime: "15m",
  labels: { namespace: "kafka", strimzi_io_cluster: "orders", severity, ...labels },
});
const MM2 = 'namespace="kafka",strimzi_io_cluster="payments-weu-to-payments-neu"';
const CC = `${K},pod="orders-cruise-control-5d8f"`;
const SCORE = `kafka_cruisecontrol_anomalydetector_balancedness_score{${CC}}`;
const ONGOING = `kafka_cruisecontrol_executor_ongoing_execution{${CC}}`;
const CC_LABELS = { namespace: "kafka", strimzi_io_cluster: "orders", severity: "warning" };

const CASES: Case[] = [
  {
    alert: "KafkaUnderReplicatedPartitions",
    ...gauge(
      "kafka_server_replicamanager_underreplicatedpartitions",
      {},
      "warning",
      ',pod="orders-brokers-3"',
    ),
  },
  {
    alert: "KafkaUnderMinIsrPartitions",
    ...gauge(
      "kafka_server_replicamanager_underminisrpartitioncount",
      {},
      "critical",
      ',pod="orders-brokers-3"',
    ),
  },
  {
    alert: "KafkaOfflinePartitions",
    ...gauge(
      "kafka_controller_kafkacontroller_offlinepartitionscount",
      {},
      "critical",
      ',pod="orders-controllers-0"',
    ),
  },
  {
    alert: "KafkaFencedBrokers",
    ...gauge(
      "kafka_controller_kafkacontroller_fencedbrokercount",
      {},
      "warning",
      ',pod="orders-controllers-0"',
    ),
  },
  {
    alert: "KafkaOfflineLogDirectory",
    ...gauge(
      "kafka_log_logmanager_offlinelogdirectorycount",
      { pod: "orders-brokers-4" },
      "critical",
      ',pod="orders-brokers-4"',
    ),
  },
  {
    alert: "KafkaAbnormalControllerState",
    example: "three-zone/cluster.yaml",
    firing: {
      [`kafka_controller_kafkacontroller_activecontrollercount{${K},pod="c0"}`]: "0x40",
      [`kafka_controller_kafkacontroller_activecontrollercount{${K},pod="c1"}`]: "0x40",
    },
    quiet: {
      [`kafka_controller_kafkacontroller_activecontrollercount{${K},pod="c0"}`]: "1x40",
      [`kafka_controller_kafkacontroller_activecontrollercount{${K},pod="c1"}`]: "0x40",
    },
    evalTime: "15m",
    labels: { namespace: "kafka", strimzi_io_cluster: "orders", severity: "critical" },
  },
  {
    alert: "KafkaRunningOutOfSpace",
    example: "three-zone/cluster.yaml",
    firing: {
      'kubelet_volume_stats_available_bytes{namespace="kafka",persistentvolumeclaim="data-0-orders-brokers-3"}':
        "10x40",
      'kubelet_volume_stats_capacity_bytes{namespace="kafka",persistentvolumeclaim="data-0-orders-brokers-3"}':
        "100x40",
    },
    quiet: {
      'kubelet_volume_stats_available_bytes{namespace="kafka",persistentvolumeclaim="data-0-orders-brokers-3"}':
        "50x40",
      'kubelet_volume_stats_capacity_bytes{namespace="kafka",persistentvolumeclaim="data-0-orders-brokers-3"}':
        "100x40",
    },
    evalTime: "15m",
    labels: { namespace: "kafka", persistentvolumeclaim: "data-0-orders-brokers-3", severity: "warning" },
  },
  {
    alert: "KafkaNodesDown",
    example: "three-zone/cluster.yaml",
    firing: up(5, KAFKA_UP),
    quiet: up(6, KAFKA_UP),
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "orders", severity: "critical" },
  },
  {
    alert: "KafkaConsumerGroupLagTooLarge",
    example: "three-zone/cluster.yaml",
    firing: { [`kafka_consumergroup_lag{${K},consumergroup="app",topic="orders",partition="0"}`]: "5000x40" },
    quiet: { [`kafka_consumergroup_lag{${K},consumergroup="app",topic="orders",partition="0"}`]: "10x40" },
    evalTime: "15m",
    labels: { namespace: "kafka", consumergroup: "app", topic: "orders", severity: "warning" },
  },
  {
    alert: "KafkaNoMessagesForTooLong",
    example: "three-zone/cluster.yaml",
    firing: { [`kafka_topic_partition_current_offset{${K},topic="orders",partition="0"}`]: "100x40" },
    quiet: { [`kafka_topic_partition_current_offset{${K},topic="orders",partition="0"}`]: "100+10x40" },
    evalTime: "30m",
    labels: { namespace: "kafka", topic: "orders", severity: "info" },
  },
  {
    alert: "KafkaExporterDown",
    example: "three-zone/cluster.yaml",
    firing: up(6, KAFKA_UP),
    quiet: {
      ...up(6, KAFKA_UP),
      [`up{${K},strimzi_io_kind="Kafka",strimzi_io_name="orders-kafka-exporter",pod="e"}`]: "1x40",
    },
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "orders", severity: "warning" },
  },
  {
    alert: "KafkaConnectFailedConnector",
    example: "three-zone/cluster.yaml",
    firing: {
      'kafka_connect_connector_status{namespace="kafka",strimzi_io_cluster="cdc",connector="pg",status="failed"}':
        "1x40",
    },
    quiet: {
      'kafka_connect_connector_status{namespace="kafka",strimzi_io_cluster="cdc",connector="pg",status="running"}':
        "1x40",
    },
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "cdc", connector: "pg", severity: "critical" },
  },
  {
    alert: "KafkaConnectFailedTask",
    example: "three-zone/cluster.yaml",
    firing: {
      'kafka_connect_worker_connector_failed_task_count{namespace="kafka",strimzi_io_cluster="sinks",connector="dw"}':
        "2x40",
    },
    quiet: {
      'kafka_connect_worker_connector_failed_task_count{namespace="kafka",strimzi_io_cluster="sinks",connector="dw"}':
        "0x40",
    },
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "sinks", connector: "dw", severity: "critical" },
  },
  {
    alert: "KafkaConnectWorkersDown",
    example: "three-zone/cluster.yaml",
    firing: {
      ...up(2, 'namespace="kafka",strimzi_io_cluster="cdc",strimzi_io_kind="KafkaConnect"'),
      ...up(2, 'namespace="kafka",strimzi_io_cluster="sinks",strimzi_io_kind="KafkaConnect"'),
    },
    quiet: {
      ...up(3, 'namespace="kafka",strimzi_io_cluster="cdc",strimzi_io_kind="KafkaConnect"'),
      ...up(2, 'namespace="kafka",strimzi_io_cluster="sinks",strimzi_io_kind="KafkaConnect"'),
    },
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "cdc", severity: "critical" },
  },
  {
    alert: "KafkaCertificateExpiring",
    example: "three-zone/cluster.yaml",
    firing: {
      'strimzi_certificate_expiration_timestamp_ms{resource_namespace="kafka",cluster="orders",type="cluster-ca"}':
        "864000000x40",
    },
    quiet: {
      'strimzi_certificate_expiration_timestamp_ms{resource_namespace="kafka",cluster="orders",type="cluster-ca"}':
        "8640000000x40",
    },
    evalTime: "15m",
    labels: { resource_namespace: "kafka", cluster: "orders", type: "cluster-ca", severity: "warning" },
  },
  {
    alert: "KafkaRebalanceFailed",
    example: "three-zone/cluster.yaml",
    firing: { [`kafka_cruisecontrol_executor_replica_action_dead{${CC}}`]: "0x5 2x40" },
    quiet: { [`kafka_cruisecontrol_executor_replica_action_dead{${CC}}`]: "0x40" },
    evalTime: "15m",
    labels: CC_LABELS,
  },
  {
    // Stopped by Cruise Control itself fires; stopped by a user (the same count) stays quiet.
    alert: "KafkaRebalanceFailed",
    example: "three-zone/cluster.yaml",
    firing: {
      [`kafka_cruisecontrol_executor_execution_stopped_total{${CC}}`]: "0x10 1x30",
      [`kafka_cruisecontrol_executor_execution_stopped_by_user_total{${CC}}`]: "0x40",
    },
    quiet: {
      [`kafka_cruisecontrol_executor_execution_stopped_total{${CC}}`]: "0x10 1x30",
      [`kafka_cruisecontrol_executor_execution_stopped_by_user_total{${CC}}`]: "0x10 1x30",
    },
    evalTime: "15m",
    labels: CC_LABELS,
  },
  {
    alert: "KafkaClusterUnbalanced",
    example: "three-zone/cluster.yaml",
    firing: { [SCORE]: "60x100", [ONGOING]: "0x100" },
    quiet: { [SCORE]: "95x100", [ONGOING]: "0x100" },
    evalTime: "45m",
    labels: CC_LABELS,
  },
  {
    // While a rebalance runs the score is expected to be low.
    alert: "KafkaClusterUnbalanced",
    example: "three-zone/cluster.yaml",
    firing: { [SCORE]: "60x100", [ONGOING]: "0x100" },
    quiet: { [SCORE]: "60x100", [ONGOING]: "1x100" },
    evalTime: "45m",
    labels: CC_LABELS,
  },
  {
    // -1 means dead brokers (KafkaNodesDown says so), not an unbalanced cluster.
    alert: "KafkaClusterUnbalanced",
    example: "three-zone/cluster.yaml",
    firing: { [SCORE]: "10x100" },
    quiet: { [SCORE]: "-1x100" },
    evalTime: "45m",
    labels: CC_LABELS,
  },
  {
    alert: "CruiseControlDown",
    example: "three-zone/cluster.yaml",
    firing: up(6, KAFKA_UP),
    quiet: {
      ...up(6, KAFKA_UP),
      [`up{${K},strimzi_io_kind="Kafka",strimzi_io_name="orders-cruise-control",pod="cc"}`]: "1x40",
    },
    evalTime: "15m",
    labels: CC_LABELS,
  },
  {
    alert: "MirrorMaker2WorkersDown",
    example: "dr-active-passive/backup.yaml",
    firing: {},
    quiet: up(1, `${MM2},strimzi_io_kind="KafkaMirrorMaker2"`),
    evalTime: "10m",
    labels: { namespace: "kafka", strimzi_io_cluster: "payments-weu-to-payments-neu", severity: "critical" },
  },
  {
    alert: "MirrorMaker2ReplicationLatencyHigh",
    example: "dr-active-passive/backup.yaml",
    firing: {
      [`kafka_connect_mirror_source_connector_replication_latency_ms_max{${MM2},topic="payments-weu.payments.in",partition="0",target="payments-neu"}`]:
        "60000x40",
    },
    quiet: {
      [`kafka_connect_mirror_source_connector_replication_latency_ms_max{${MM2},topic="payments-weu.payments.in",partition="0",target="payments-neu"}`]:
        "100x40",
    },
    evalTime: "15m",
    labels: { namespace: "kafka", strimzi_io_cluster: "payments-weu-to-payments-neu", severity: "warning" },
  },
];

describe.each(exampleFiles())("PrometheusRule of %s", (file) => {
  it("passes promtool check rules", async () => {
    const rules = rulesOf(file);
    const path = join(dir, `${file.replace(/\W/g, "_")}.rules.yaml`);
    await writeFile(path, stringify(rules.spec));
    const r = await promtool("check", "rules", path);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });
  it("has a firing and a quiet test case for every alert", () => {
    const alerts = new Set(rulesOf(file).spec.groups.flatMap((g) => g.rules.map((r) => r.alert)));
    const covered = new Set(CASES.map((c) => c.alert));
    expect([...alerts].filter((a) => !covered.has(a))).toStrictEqual([]);
  });
});

describe.each(["three-zone/cluster.yaml", "dr-active-passive/backup.yaml"])(
  "promtool test rules on %s",
  (example) => {
    it("fires each alert on its synthetic series and stays quiet on the healthy ones", async () => {
      const rules = rulesOf(example);
      // Annotations are templates checked by `check rules`; the unit test compares labels only.
      const stripped = {
        groups: rules.spec.groups.map((g) => ({
          ...g,
          rules: g.rules.map(({ annotations: _a, ...r }) => r),
        })),
      };
      const base = example.replace(/\W/g, "_");
      await writeFile(join(dir, `${base}.rules.yaml`), stringify(stripped));
      const cases = CASES.filter((c) => c.example === example);
      const series = (m: Record<string, string>) =>
        Object.entries(m).map(([s, values]) => ({ series: s, values }));
      const tests = cases.flatMap((c, i) => [
        {
          name: `${c.alert} fires (case ${i})`,
          interval: "1m",
          input_series: series(c.firing),
          alert_rule_test: [
            { eval_time: c.evalTime, alertname: c.alert, exp_alerts: [{ exp_labels: { ...c.labels } }] },
          ],
        },
        {
          name: `${c.alert} stays quiet (case ${i})`,
          interval: "1m",
          input_series: series(c.quiet),
          alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: [] }],
        },
      ]);
      expect(tests.length).toBeGreaterThan(3);
      await writeFile(
        join(dir, `${base}.test.yaml`),
        stringify({ rule_files: [`${base}.rules.yaml`], evaluation_interval: "1m", tests }),
      );
      const r = await promtool("test", "rules", `${base}.test.yaml`);
      expect(r.out).toContain("SUCCESS");
      expect(r.code).toBe(0);
    });
  },
);

// The rules kiln hands to prometheus-adapter, expanded as the adapter expands them for the pods
// of one autoscaled pool, evaluated by Prometheus' own engine on synthetic broker series.
describe("prometheus-adapter rules for the broker autoscalers", () => {
  it("give each broker of the pool its busy ratio, bytes in per second and fullest volume", async () => {
    const pods = 'namespace="kafka",pod=~"orders-brokers-3|orders-brokers-4"';
    const groups = [
      {
        name: "adapter",
        rules: adapterRules().map((r) => ({
          record: `adapter:${r.name.as}`,
          expr: r.metricsQuery
            .replaceAll("<<.Series>>", r.seriesQuery.slice(0, r.seriesQuery.indexOf("{")))
            .replaceAll("<<.LabelMatchers>>", pods)
            .replaceAll("<<.GroupBy>>", "pod"),
        })),
      },
    ];
    await writeFile(join(dir, "adapter.rules.yaml"), stringify({ groups }));
    const broker = (pod: string) => `namespace="kafka",pod="${pod}",strimzi_io_pool_name="brokers"`;
    const volume = (pvc: string) => `namespace="kafka",persistentvolumeclaim="${pvc}",node="aks-1"`;
    const input_series = Object.entries({
      [`kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${broker("orders-brokers-3")}}`]:
        "0.25x20",
      [`kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${broker("orders-brokers-4")}}`]:
        "0.5x20",
      // A controller of the same cluster is not a pod of the pool.
      'kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{namespace="kafka",pod="orders-controllers-0"}':
        "0x20",
      [`kafka_server_brokertopicmetrics_bytes_in_total{${broker("orders-brokers-3")}}`]: "0+6000x20",
      [`kafka_server_brokertopicmetrics_bytes_in_total{${broker("orders-brokers-4")}}`]: "0+12000x20",
      [`kafka_server_replicamanager_partitioncount{${broker("orders-brokers-3")}}`]: "10x20",
      [`kafka_server_replicamanager_partitioncount{${broker("orders-brokers-4")}}`]: "10x20",
      [`kubelet_volume_stats_used_bytes{${volume("data-0-orders-brokers-3")}}`]: "30x20",
      [`kubelet_volume_stats_capacity_bytes{${volume("data-0-orders-brokers-3")}}`]: "100x20",
      [`kubelet_volume_stats_used_bytes{${volume("data-0-orders-brokers-4")}}`]: "50x20",
      [`kubelet_volume_stats_capacity_bytes{${volume("data-0-orders-brokers-4")}}`]: "100x20",
      [`kubelet_volume_stats_used_bytes{${volume("data-1-orders-brokers-4")}}`]: "80x20",
      [`kubelet_volume_stats_capacity_bytes{${volume("data-1-orders-brokers-4")}}`]: "100x20",
      // Another cluster's broker with a full disk: not in the pool.
      [`kubelet_volume_stats_used_bytes{${volume("data-0-payments-brokers-3")}}`]: "99x20",
      [`kubelet_volume_stats_capacity_bytes{${volume("data-0-payments-brokers-3")}}`]: "100x20",
    }).map(([series, values]) => ({ series, values }));
    const samples = (metric: string, values: [string, number][]) => ({
      expr: `adapter:${metric}`,
      eval_time: "10m",
      exp_samples: values.map(([pod, value]) => ({
        labels: `adapter:${metric}{pod="${pod}"}`,
        value,
      })),
    });
    await writeFile(
      join(dir, "adapter.test.yaml"),
      stringify({
        rule_files: ["adapter.rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series,
            promql_expr_test: [
              samples("kafka_broker_request_handler_busy_ratio", [
                ["orders-brokers-3", 0.75],
                ["orders-brokers-4", 0.5],
              ]),
              samples("kafka_broker_bytes_in_per_second", [
                ["orders-brokers-3", 100],
                ["orders-brokers-4", 200],
              ]),
              samples("kafka_broker_disk_used_ratio", [
                ["orders-brokers-3", 0.3],
                ["orders-brokers-4", 0.8],
              ]),
            ],
          },
        ],
      }),
    );
    const r = await promtool("test", "rules", "adapter.test.yaml");
    expect(r.out).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});
