import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConfigMap, PrometheusRule, RenderedObject } from "@kiln/clusters";
import { KAFKA_EXPORTER_METRICS, renderCluster } from "@kiln/clusters";
import { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
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
  type Alertmanager,
  amtoolCheckConfig,
  amtoolRoutes,
  type Notification,
  routingForTest,
  startAlertmanager,
  startWebhookReceiver,
  type WebhookReceiver,
} from "../harness/monitoring/alertmanager.js";
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

// The Alertmanager routing kiln renders beside the rules (monitoring/alertmanager-routing.example.yaml).
const ROUTING = renderCluster(cluster).documents["monitoring/alertmanager-routing.example.yaml"] ?? "";
const GROUP_BY = (parse(ROUTING) as { route: { group_by: string[] } }).route.group_by;

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
        // Row panels carry no query.
        panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
      };
      for (const p of d.panels)
        for (const t of p.targets ?? []) out.push({ dashboard: d.uid, title: p.title, expr: t.expr });
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
  let webhook: WebhookReceiver;
  let am: Alertmanager;

  /** Firing alerts the webhook received, as `receiver alertname`, once each. */
  const delivered = () => [
    ...new Set(
      webhook.received.flatMap((n) =>
        n.body.alerts
          .filter((a) => a.status === "firing")
          .map((a) => `${n.body.receiver} ${a.labels.alertname}`),
      ),
    ),
  ];
  const waitForDelivery = (receiver: string, alertname: string) =>
    eventually(`${alertname} delivered to ${receiver}`, async () =>
      delivered().includes(`${receiver} ${alertname}`) ? true : undefined,
    );

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
    // The notification service, and Alertmanager with kiln's routing (its timers shortened as alertFor shortens for:).
    webhook = await startWebhookReceiver();
    am = await startAlertmanager({
      workDir: dir,
      config: routingForTest(ROUTING, webhook.url, { wait: "2s", interval: "2s" }),
    });
    prom = await startPrometheus({
      alertmanagers: [am.target],
      rulesOnceUp: true,
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
    await Promise.allSettled([prom?.stop(), exporter?.stop(), worker?.stop(), am?.stop(), webhook?.stop()]);
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

  it("runs kiln's Alertmanager routing: amtool accepts it and routes by severity", async () => {
    const file = join(dir, "alertmanager-routing.example.yaml");
    await writeFile(file, ROUTING);
    await amtoolCheckConfig(file);
    const route = (severity: string) => amtoolRoutes(file, { alertname: "X", namespace: NS, severity });
    expect(await route("critical")).toStrictEqual(["kafka-pager"]);
    expect(await route("warning")).toStrictEqual(["kafka-chat"]);
    expect(await route("info")).toStrictEqual(["null"]);
    expect(
      await amtoolRoutes(am.configFile, { alertname: "X", namespace: NS, severity: "critical" }),
    ).toStrictEqual(["kafka-pager"]);
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

  it("delivers the lag to chat and the failed task to the pager through Alertmanager, grouped as routed, and nothing for the healthy series", async () => {
    await waitForDelivery("kafka-chat", "KafkaConsumerGroupLagTooLarge");
    await waitForDelivery("kafka-pager", "KafkaConnectFailedTask");
    // Nothing else so far: every other rule watches a healthy series.
    expect(delivered().sort()).toStrictEqual([
      "kafka-chat KafkaConsumerGroupLagTooLarge",
      "kafka-pager KafkaConnectFailedTask",
    ]);
    expectRoutedAndGrouped(webhook.received);
    const task = webhook.received.find((n) => n.body.groupLabels.alertname === "KafkaConnectFailedTask");
    expect(task?.path).toBe("/kafka-pager");
    expect(task?.body.groupLabels).toStrictEqual({
      alertname: "KafkaConnectFailedTask",
      namespace: NS,
      strimzi_io_cluster: CONNECT,
    });
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

  it("pages KafkaNodesDown and KafkaOfflinePartitions and inhibits the warnings that follow from a node down", async () => {
    await waitForDelivery("kafka-pager", "KafkaNodesDown");
    await waitForDelivery("kafka-pager", "KafkaOfflinePartitions");
    // Prometheus fires the under-replicated and fenced-broker warnings; Alertmanager holds them back.
    await prom.waitForFiring("KafkaUnderReplicatedPartitions", { strimzi_io_cluster: NAME });
    await prom.waitForFiring("KafkaFencedBrokers", { strimzi_io_cluster: NAME });
    const inhibited = await eventually("the warnings inhibited in Alertmanager", async () => {
      const held = (await am.alerts()).filter((a) =>
        ["KafkaUnderReplicatedPartitions", "KafkaFencedBrokers"].includes(a.labels.alertname ?? ""),
      );
      return held.length === 2 && held.every((a) => a.status.state === "suppressed") ? held : undefined;
    });
    const nodesDown = (await am.alerts()).find((a) => a.labels.alertname === "KafkaNodesDown");
    expect(inhibited.every((a) => a.status.inhibitedBy.length > 0)).toBe(true);
    expect(nodesDown?.status.state).toBe("active");
    // Past a group interval, still nothing for them at the webhook.
    await new Promise((r) => setTimeout(r, 3000));
    const names = delivered();
    // Kafka Exporter's scrapes may time out on the dead broker: inhibited too, when it fires.
    expect(names.filter((n) => /UnderReplicated|FencedBrokers|ExporterDown/.test(n))).toStrictEqual([]);
    const exporterDown = (await am.alerts()).filter((a) => a.labels.alertname === "KafkaExporterDown");
    expect(exporterDown.filter((a) => a.status.state !== "suppressed")).toStrictEqual([]);
    // Every delivery is an alert the suite caused, routed by severity and grouped as kiln's routing says.
    const caused = new Set([
      "KafkaConsumerGroupLagTooLarge",
      "KafkaConnectFailedTask",
      "KafkaConnectFailedConnector",
      "KafkaNodesDown",
      "KafkaOfflinePartitions",
      "KafkaUnderMinIsrPartitions",
    ]);
    expect(names.map((n) => n.split(" ")[1]).filter((n) => !caused.has(n ?? ""))).toStrictEqual([]);
    expectRoutedAndGrouped(webhook.received);
  });
});

/** Each notification went to the receiver kiln's routing picks for its severity, grouped by its group_by labels. */
function expectRoutedAndGrouped(received: Notification[]) {
  expect(received.length).toBeGreaterThan(0);
  for (const n of received) {
    expect(n.path).toBe(`/${n.body.receiver}`);
    for (const a of n.body.alerts) {
      expect(a.labels.severity).toBe(n.body.receiver === "kafka-pager" ? "critical" : "warning");
      const group = Object.fromEntries(GROUP_BY.flatMap((k) => (a.labels[k] ? [[k, a.labels[k]]] : [])));
      expect(n.body.groupLabels).toStrictEqual(group);
    }
  }
}
