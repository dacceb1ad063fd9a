import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ConfigMap, PrometheusRule, RenderedObject } from "@kiln/clusters";
import { KAFKA_EXPORTER_METRICS, renderCluster } from "@kiln/clusters";
import { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterSpec, eventually } from "../dr/support.js";
import { required } from "../harness/inject.js";
import { KafkaClients } from "../harness/kafka/clients.js";
import {
  type ConnectWorker,
  type KafkaNode,
  startConnectWorker,
  startKafka,
} from "../harness/kafka/index.js";
import {
  jmxAgent,
  type LagExporter,
  scrapeNames,
  startLagExporter,
} from "../harness/monitoring/exporters.js";
import { type Prometheus, startPrometheus, strimziPodLabels } from "../harness/monitoring/prometheus.js";

// One kiln Cluster definition drives everything here: the JMX exporter configs the brokers and
// the Connect worker run with, the alert rules Prometheus evaluates and the dashboards queried.
const NAME = "kafka-a";
const NS = "kafka";
const CONNECT = "connect-a";
const LAG_THRESHOLD = 50;
// The test's records are plain strings, not JSON (the worker's default converters).
const STRINGS = {
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
};

const cluster = clusterSpec({
  name: NAME,
  namespace: NS,
  kafka: { version: "4.3.1" },
  // The topology started below: node 1 is broker and controller, node 2 a broker only.
  nodePools: [
    { name: "dual", roles: ["controller", "broker"], replicas: 1 },
    { name: "brokers", roles: ["broker"], replicas: 1 },
  ],
  connect: [{ name: CONNECT, replicas: 1 }],
  monitoring: { thresholds: { consumerLag: LAG_THRESHOLD } },
});

// Rendered with every alert's `for:` shortened to 2s: the expressions are the ones shipped.
const rendered: RenderedObject[] = renderCluster(cluster, { alertFor: "2s" }).items.map((i) => i.object);

function configMap(name: string): ConfigMap {
  const cm = rendered.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
  if (!cm) throw new Error(`no rendered ConfigMap ${name}`);
  return cm as ConfigMap;
}

/** Every panel query of the rendered Grafana dashboards, by dashboard uid. */
function dashboardQueries(): Array<{ dashboard: string; title: string; expr: string }> {
  const out: Array<{ dashboard: string; title: string; expr: string }> = [];
  for (const o of rendered) {
    if (o.kind !== "ConfigMap" || o.metadata.labels?.grafana_dashboard !== "1") continue;
    for (const text of Object.values((o as ConfigMap).data ?? {})) {
      const d = JSON.parse(text) as {
        uid: string;
        panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      };
      for (const p of d.panels)
        for (const t of p.targets) out.push({ dashboard: d.uid, title: p.title, expr: t.expr });
    }
  }
  return out;
}

describe("monitoring: rendered exporter configs, Kafka Exporter metrics and alert rules on real Kafka, Connect and Prometheus", () => {
  let dir: string;
  let node1: KafkaNode;
  let node2: KafkaNode;
  let worker: ConnectWorker;
  let exporter: LagExporter;
  let prom: Prometheus;
  let clients: KafkaClients;
  let connect: ConnectClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "monitoring-"));
    const kafkaConfig = configMap(`${NAME}-kafka-metrics`).data?.["metrics-config.yml"] ?? "";
    const connectConfig = configMap(`${CONNECT}-connect-metrics`).data?.["metrics-config.yml"] ?? "";
    const [agent1, agent2, agentConnect] = await Promise.all([
      jmxAgent(dir, "node-1", kafkaConfig),
      jmxAgent(dir, "node-2", kafkaConfig),
      jmxAgent(dir, "connect", connectConfig),
    ]);
    // Fence a dead broker within seconds (defaults: 9s session, 2s heartbeat).
    const fast = { "broker.session.timeout.ms": 4000, "broker.heartbeat.interval.ms": 1000 };
    clients = await KafkaClients.create();
    node1 = await startKafka({
      workDir: join(dir, "node-1"),
      nodeId: 1,
      heap: "320m",
      jvmArgs: [agent1.jvmArg],
      properties: fast,
    });
    node2 = await startKafka({
      workDir: join(dir, "node-2"),
      nodeId: 2,
      heap: "256m",
      jvmArgs: [agent2.jvmArg],
      clusterId: node1.clusterId,
      joinQuorum: node1.quorumVoters,
      properties: fast,
    });
    const bootstrap = `${node1.bootstrap},${node2.bootstrap}`;
    // Assigned as each starts, so afterAll stops whatever did start when the other fails.
    await Promise.all([
      startConnectWorker({
        bootstrap,
        groupId: `${CONNECT}-group`,
        workDir: dir,
        name: "connect",
        jvmArgs: [agentConnect.jvmArg],
      }).then((w) => {
        worker = w;
      }),
      startLagExporter({ bootstrap, workDir: dir }).then((e) => {
        exporter = e;
      }),
    ]);
    connect = new ConnectClient({ urls: [worker.url], retry: { deadlineMs: 60_000 } });
    const kafkaPod = (pod: string) =>
      strimziPodLabels({ namespace: NS, cluster: NAME, kind: "Kafka", name: `${NAME}-kafka`, pod });
    const rule = rendered.find((o) => o.kind === "PrometheusRule") as PrometheusRule;
    prom = await startPrometheus({
      workDir: dir,
      // Generous for a busy 2-core machine: a scrape that times out reads as a target down.
      scrapeInterval: "3s",
      groups: rule.spec.groups,
      targets: [
        { job: "kafka", target: agent1.target, labels: kafkaPod(`${NAME}-dual-1`) },
        { job: "kafka", target: agent2.target, labels: kafkaPod(`${NAME}-brokers-2`) },
        {
          job: "kafka-exporter",
          target: exporter.target,
          labels: strimziPodLabels({
            namespace: NS,
            cluster: NAME,
            kind: "Kafka",
            name: `${NAME}-kafka-exporter`,
            pod: `${NAME}-kafka-exporter-0`,
          }),
        },
        {
          job: "connect",
          target: agentConnect.target,
          labels: strimziPodLabels({
            namespace: NS,
            cluster: CONNECT,
            kind: "KafkaConnect",
            name: `${CONNECT}-connect`,
            pod: `${CONNECT}-connect-0`,
          }),
        },
      ],
    });

    // Traffic every dashboard panel has something to show for: topics, records, a consumer group,
    // a healthy source and sink connector.
    await clients.createTopic(node1.bootstrap, "payments", { partitions: 2, replicationFactor: 2 });
    await clients.createTopic(node1.bootstrap, "replicated", { assignment: [[1, 2]] });
    await clients.createTopic(node1.bootstrap, "lonely", { assignment: [[2]] });
    await clients.produce(node1.bootstrap, "payments", 200, "payment");
    await clients.produce(node1.bootstrap, "replicated", 20, "r");
    await clients.produce(node1.bootstrap, "lonely", 5, "l");
    await connect.create("payments-to-file", {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: "replicated",
      file: join(dir, "replicated.out"),
      "tasks.max": "1",
      ...STRINGS,
    });
    await connect.create("file-to-topic", {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
      file: join(dir, "replicated.out"),
      topic: "copied",
      "tasks.max": "1",
      ...STRINGS,
    });
  });

  afterAll(async () => {
    await connect?.close();
    await Promise.allSettled([prom?.stop(), exporter?.stop(), worker?.stop()]);
    await Promise.allSettled([node2?.stop(), node1?.stop()]);
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it("scrapes every exporter: brokers and Connect through the JMX agent, the lag exporter", async () => {
    const up = await eventually("all targets up", async () => {
      const r = await prom.query("up");
      return r.length === 4 && r.every((s) => s.value[1] === "1") ? r : undefined;
    });
    expect(up.map((s) => s.metric.job).sort()).toEqual(["connect", "kafka", "kafka", "kafka-exporter"]);
    // The lag exporter serves every Kafka Exporter metric kiln's rules and dashboards may query.
    await clients.consume(node1.bootstrap, ["replicated"], "exporter-check", 5);
    const exported = await eventually("Kafka Exporter metrics", async () => {
      const names = await scrapeNames(exporter.target);
      return KAFKA_EXPORTER_METRICS.every((m) => names.has(m)) ? names : undefined;
    });
    expect([...KAFKA_EXPORTER_METRICS].filter((m) => !exported.has(m))).toEqual([]);
  });

  it("answers every query of the rendered Kafka, KRaft, Kafka Exporter and Connect dashboards", async () => {
    const queries = dashboardQueries();
    expect(new Set(queries.map((q) => q.dashboard))).toEqual(
      new Set([`${NAME}-kafka`, `${NAME}-kraft`, `${NAME}-exporter`, `${NAME}-connect`]),
    );
    let empty: string[] = [];
    await eventually(
      "every dashboard query to return series",
      async () => {
        empty = [];
        for (const q of queries)
          if ((await prom.query(q.expr)).length === 0) empty.push(`${q.dashboard} / ${q.title}: ${q.expr}`);
        return empty.length === 0 ? true : undefined;
      },
      90_000,
      2000,
    ).catch(() => {
      throw new Error(`dashboard queries without data:\n${empty.join("\n")}`);
    });
  });

  it("fires KafkaConsumerGroupLagTooLarge for a group behind by more than the threshold", async () => {
    const read = await clients.consume(node1.bootstrap, ["payments"], "billing", 10);
    expect(read).toHaveLength(10);
    const alert = await prom.waitForFiring("KafkaConsumerGroupLagTooLarge", {
      consumergroup: "billing",
      topic: "payments",
    });
    expect(Number(alert.value)).toBeGreaterThan(LAG_THRESHOLD);
    // The exported lag is what Kafka says: end offset minus committed offset, per committed partition.
    const committed = await clients.groupOffsets(node1.bootstrap, "billing");
    const end = await clients.endOffsets(node1.bootstrap, "payments");
    const expected = committed.reduce(
      (n, c) => n + ((end.find((e) => e.partition === c.partition)?.offset ?? 0) - c.offset),
      0,
    );
    expect(expected).toBeGreaterThan(LAG_THRESHOLD);
    const lag = await prom.query(`sum(kafka_consumergroup_lag{consumergroup="billing",topic="payments"})`);
    expect(Number(lag[0]?.value[1])).toBe(expected);
    expect(Number(alert.value)).toBeLessThanOrEqual(expected);
  });

  it("fires KafkaConnectFailedTask for a connector whose task fails", async () => {
    await connect.create("broken-sink", {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      topics: "payments",
      // A directory that does not exist: the task fails on start, the connector stays RUNNING.
      file: join(dir, "missing-dir", "nested", "out.txt"),
      "tasks.max": "1",
    });
    const status = await eventually("broken-sink task FAILED", async () => {
      const s = await connect.status("broken-sink");
      return s.tasks[0]?.state === "FAILED" ? s : undefined;
    });
    expect(status.connector.state).toBe("RUNNING");
    const alert = await prom.waitForFiring("KafkaConnectFailedTask", { connector: "broken-sink" });
    expect(alert.labels.strimzi_io_cluster).toBe(CONNECT);
    expect(alert.labels.severity).toBe("critical");
    const firing = (await prom.alerts()).filter(
      (a) => a.labels.alertname === "KafkaConnectFailedTask" && a.state === "firing",
    );
    expect(firing.map((a) => a.labels.connector)).toEqual(["broken-sink"]);
  });

  it("fires KafkaUnderReplicatedPartitions, KafkaOfflinePartitions and KafkaNodesDown when broker 2 dies", async () => {
    expect((await clients.describeTopic(node1.bootstrap, "replicated"))[0]?.isr.sort()).toEqual([1, 2]);
    expect(
      (await prom.alerts()).filter(
        (a) => a.state === "firing" && /Partitions|NodesDown/.test(a.labels.alertname ?? ""),
      ),
    ).toEqual([]);
    await node2.process.stop("SIGKILL");
    // "replicated" keeps its leader on node 1 with one in-sync replica; "lonely" loses its only one.
    const under = await prom.waitForFiring("KafkaUnderReplicatedPartitions", { strimzi_io_cluster: NAME });
    expect(Number(under.value)).toBeGreaterThanOrEqual(1);
    const offline = await prom.waitForFiring("KafkaOfflinePartitions", { strimzi_io_cluster: NAME });
    // "lonely", and any single-replica internal partition (__consumer_offsets, Connect's topics) led by node 2.
    expect(Number(offline.value)).toBeGreaterThanOrEqual(1);
    await prom.waitForFiring("KafkaNodesDown");
    // Kafka Exporter's view agrees, partition by partition.
    const exported = await eventually("exporter sees the under-replicated partition", async () => {
      const r = await prom.query(`kafka_topic_partition_under_replicated_partition{topic="replicated"} == 1`);
      return r.length === 1 ? r : undefined;
    });
    expect(exported[0]?.metric.partition).toBe("0");
    const leaderless = await prom.query(`kafka_topic_partition_leader{topic="lonely"}`);
    expect(leaderless[0]?.value[1]).toBe("-1");
  });
});
