import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { flowNames, type KafkaMirrorMaker2, mirrorConnectorConfigs, renderCluster } from "@kiln/clusters";
import { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { KafkaClients, type PartitionOffset } from "../harness/kafka/clients.js";
import {
  type ConnectWorker,
  type KafkaNode,
  startConnectWorker,
  startKafka,
} from "../harness/kafka/index.js";
import { jmxAgent, scrapeNames } from "../harness/monitoring/exporters.js";
import {
  clusterSpec,
  connectorStates,
  deployMirror,
  eventually,
  FAST_MM2,
  type MirrorDeployment,
  renderedMirrorMaker,
} from "./support.js";

// Seed scenario 2 (examples/dr-active-passive) on real brokers: A is the primary, B the hot
// standby; MirrorMaker 2 runs on a Connect worker beside B, deployed by kiln over REST.
const A = "payments-a";
const B = "payments-b";
const TOPICS = "payments\\..*|ledger";
const GROUPS = "payments-.*";
const ORDERS = "payments.orders";
const PARTITIONS = 2;
const RECORDS = 200;
const CONSUMED_ON_A = 120;
/** MirrorSourceConnector's `offset.lag.max` default: how far a translated offset may trail the committed one. */
const OFFSET_LAG_MAX = 100;

const sum = (rows: PartitionOffset[]) => rows.reduce((n, r) => n + r.offset, 0);

describe("unidirectional DR: MirrorMaker 2 from primary A to backup B, deployed by kiln over Connect REST", () => {
  let dir: string;
  let a: KafkaNode;
  let b: KafkaNode;
  let worker: ConnectWorker;
  let clients: KafkaClients;
  let mm2: KafkaMirrorMaker2;
  let deployment: MirrorDeployment;
  let metricsTarget: string;
  let committedOnA: PartitionOffset[];
  let readOnA: string[];

  const primary = clusterSpec({
    name: A,
    namespace: "kafka",
    kafka: { version: "4.3.1" },
    disasterRecovery: {
      mode: "active-passive",
      role: "primary",
      peer: { name: B, namespace: "kafka", bootstrapServers: "payments-b-dr.internal.example.com:9094" },
      topicsPattern: TOPICS,
      groupsPattern: GROUPS,
    },
  });
  const backup = clusterSpec({
    name: B,
    namespace: "kafka",
    kafka: { version: "4.3.1" },
    disasterRecovery: {
      mode: "active-passive",
      role: "backup",
      peer: { name: A, namespace: "kafka", bootstrapServers: "payments-a-dr.internal.example.com:9094" },
      topicsPattern: TOPICS,
      groupsPattern: GROUPS,
      checkpointIntervalSeconds: 1,
    },
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "dr-uni-"));
    mm2 = renderedMirrorMaker(backup);
    const brokerFlags = { heap: "256m", properties: { "auto.create.topics.enable": "false" } };
    // Assigned as each starts, so afterAll stops whatever did start when another fails.
    await Promise.all([
      startKafka({ workDir: join(dir, A), ...brokerFlags }).then((n) => {
        a = n;
      }),
      startKafka({ workDir: join(dir, B), ...brokerFlags }).then((n) => {
        b = n;
      }),
      KafkaClients.create().then((c) => {
        clients = c;
      }),
    ]);
    // Traffic on A before replication starts: two mirrored topics, one outside the pattern.
    await clients.createTopic(a.bootstrap, ORDERS, { partitions: PARTITIONS });
    await clients.createTopic(a.bootstrap, "ledger");
    await clients.createTopic(a.bootstrap, "audit");
    await clients.produce(a.bootstrap, ORDERS, RECORDS, "order");
    await clients.produce(a.bootstrap, "ledger", 50, "entry");
    await clients.produce(a.bootstrap, "audit", 10, "audit");
    // An application group inside the groups pattern that has processed part of the orders, and one outside it.
    const read = await clients.consume(a.bootstrap, [ORDERS], "payments-billing", CONSUMED_ON_A);
    expect(read).toHaveLength(CONSUMED_ON_A);
    readOnA = read.map((r) => r.value);
    await clients.consume(a.bootstrap, [ORDERS], "reporting", 10);
    committedOnA = await clients.groupOffsets(a.bootstrap, "payments-billing");

    // The Connect worker MirrorMaker 2 runs on: group and storage topics as the rendered resource names them,
    // with the JMX exporter agent and the MirrorMaker 2 exporter config kiln renders.
    const rendered = renderCluster(backup).items.map((i) => i.object);
    const metricsConfig = rendered.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === `${flowNames(A, B).mirrorMaker}-mm2-metrics`,
    ) as { data: Record<string, string> } | undefined;
    expect(metricsConfig, "rendered MirrorMaker 2 metrics ConfigMap").toBeDefined();
    const agent = await jmxAgent(dir, "mm2", metricsConfig?.data["metrics-config.yml"] ?? "");
    metricsTarget = agent.target;
    expect(mm2.spec.target.groupId).toBe(flowNames(A, B).groupId);
    worker = await startConnectWorker({
      bootstrap: b.bootstrap,
      groupId: mm2.spec.target.groupId,
      workDir: dir,
      name: "mm2-worker",
      jvmArgs: [agent.jvmArg],
      properties: {
        "config.storage.topic": mm2.spec.target.configStorageTopic,
        "offset.storage.topic": mm2.spec.target.offsetStorageTopic,
        "status.storage.topic": mm2.spec.target.statusStorageTopic,
      },
    });
    deployment = await deployMirror({
      cluster: backup,
      connectUrl: worker.url,
      connectCluster: "payments-b-mm2",
      // Outside Kubernetes the worker reaches both clusters over loopback PLAINTEXT.
      connections: { [A]: a.bootstrap, [B]: b.bootstrap },
      dir,
      heartbeats: true,
    });
  });

  afterAll(async () => {
    await Promise.allSettled([worker?.stop()]);
    await Promise.allSettled([a?.stop(), b?.stop()]);
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it("deploys exactly the connectors the KafkaMirrorMaker2 resource expresses", async () => {
    // MirrorMaker 2 runs beside the backup only: the primary renders none.
    expect(renderCluster(primary).items.some((i) => i.object.kind === "KafkaMirrorMaker2")).toBe(false);
    const names = deployment.documents.map((d) => d.name).sort();
    expect(names).toEqual([
      `${A}-to-${B}.MirrorCheckpointConnector`,
      `${A}-to-${B}.MirrorHeartbeatConnector`,
      `${A}-to-${B}.MirrorSourceConnector`,
    ]);
    const mirror = mm2.spec.mirrors[0];
    const [set] = mirrorConnectorConfigs(mm2, { secretsNamespace: "kafka" });
    // The patterns, aliases and connector settings come from the resource; only addresses and the test's intervals differ.
    const source = deployment.documents.find((d) => d.name.endsWith("MirrorSourceConnector"))?.config ?? {};
    expect(source.topics).toBe(mirror?.topicsPattern);
    expect(source["source.cluster.alias"]).toBe(A);
    expect(source["target.cluster.alias"]).toBe(B);
    expect(source["tasks.max"]).toBe(String(mirror?.sourceConnector?.tasksMax));
    for (const [k, v] of Object.entries(set?.source.config ?? {})) {
      if (/^(source|target)\.cluster\.(bootstrap\.servers|security\.protocol|ssl\.|sasl\.)/.test(k)) continue;
      if (k in FAST_MM2.source) continue;
      expect(source[k], k).toBe(v);
    }
    const checkpoint =
      deployment.documents.find((d) => d.name.endsWith("MirrorCheckpointConnector"))?.config ?? {};
    expect(checkpoint.groups).toBe(mirror?.groupsPattern);
    expect(checkpoint["sync.group.offsets.enabled"]).toBe("true");
    // Connect stores what kiln sent, and every task runs.
    const client = new ConnectClient({ urls: [worker.url] });
    try {
      for (const d of deployment.documents) {
        const live = await client.getConfig(d.name);
        for (const [k, v] of Object.entries(d.config)) expect(live[k], `${d.name} ${k}`).toBe(v);
        const status = await client.status(d.name);
        expect(status.connector.state).toBe("RUNNING");
      }
    } finally {
      await client.close();
    }
  });

  it("replicates the mirrored topics to B as <alias>.<topic>, and only those", async () => {
    const topics = await eventually(
      "remote topics on B",
      async () => {
        const t = await clients.listTopics(b.bootstrap);
        return t.includes(`${A}.${ORDERS}`) && t.includes(`${A}.ledger`) && t.includes("heartbeats")
          ? t
          : undefined;
      },
      120_000,
    ).catch(async (err) => {
      throw new Error(`${String(err)}\n${await connectorStates(worker.url)}\n${await worker.logs(60)}`);
    });
    expect(topics).not.toContain(`${A}.audit`);
    expect(topics).not.toContain("audit");
    expect(topics).toContain(`${A}.checkpoints.internal`);
    const described = await clients.describeTopic(b.bootstrap, `${A}.${ORDERS}`);
    expect(described).toHaveLength(PARTITIONS);
  });

  it("copies every record, with its content, to B", async () => {
    const expected = Array.from({ length: RECORDS }, (_, i) => `order-${i}`).sort();
    const records = await eventually("all orders on B", async () => {
      const end = await clients.endOffsets(b.bootstrap, `${A}.${ORDERS}`);
      return sum(end) >= RECORDS ? end : undefined;
    });
    expect(sum(records)).toBe(RECORDS);
    const read = await clients.consume(b.bootstrap, [`${A}.${ORDERS}`], "verify-orders", RECORDS + 10, 5000);
    expect(read.map((r) => r.value).sort()).toEqual(expected);
    for (const r of read) expect(r.key).toBe(r.value);
    const ledger = await eventually("ledger on B", async () => {
      const rows = await clients.consume(b.bootstrap, [`${A}.ledger`], "verify-ledger", 60, 5000);
      return rows.length === 50 ? rows : undefined;
    });
    expect(ledger.map((r) => r.value).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `entry-${i}`).sort(),
    );
  });

  it("checkpoints and syncs the offsets of mirrored groups to B, within offset.lag.max of A's", async () => {
    expect(sum(committedOnA)).toBe(CONSUMED_ON_A);
    const synced = await eventually(
      "payments-billing offsets on B",
      async () => {
        const rows = (await clients.groupOffsets(b.bootstrap, "payments-billing")).filter(
          (r) => r.topic === `${A}.${ORDERS}`,
        );
        return rows.length === committedOnA.length && sum(rows) > 0 ? rows : undefined;
      },
      120_000,
    );
    for (const upstream of committedOnA) {
      const translated = synced.find((r) => r.partition === upstream.partition);
      expect(translated, `partition ${upstream.partition}`).toBeDefined();
      expect(translated?.offset).toBeLessThanOrEqual(upstream.offset);
      expect(upstream.offset - (translated?.offset ?? 0)).toBeLessThanOrEqual(OFFSET_LAG_MAX);
    }
    // "reporting" is outside the groups pattern: never synced.
    expect(await clients.groupOffsets(b.bootstrap, "reporting")).toEqual([]);
  });

  it("exposes the MirrorMaker 2 metrics the rendered dashboards query, through the rendered exporter config", async () => {
    let last = new Set<string>();
    const names = await eventually(
      "mirror metrics",
      async () => {
        last = await scrapeNames(metricsTarget);
        return last.has("kafka_connect_mirror_source_connector_replication_latency_ms_max") &&
          last.has("kafka_connect_mirror_checkpoint_connector_checkpoint_latency_ms_max")
          ? last
          : undefined;
      },
      60_000,
    ).catch((err) => {
      throw new Error(
        `${String(err)}; exposed: ${[...last].filter((n) => n.startsWith("kafka_connect")).join(" ")}`,
      );
    });
    for (const m of [
      "kafka_connect_mirror_source_connector_record_age_ms_max",
      "kafka_connect_mirror_source_connector_record_rate",
      "kafka_connect_mirror_source_connector_byte_rate",
      "kafka_connect_connector_status",
      "kafka_connect_worker_connector_failed_task_count",
      "kafka_connect_worker_connector_count",
    ])
      expect(names, m).toContain(m);
  });
  it("fails over: the group resumes on B from the translated offsets, losing nothing and re-reading at most the lag", async () => {
    // A is gone; once B's copy of the group's offsets stops changing (MirrorMaker 2 can no longer
    // read A's commits), the application starts on B with the same group, reading the remote topic.
    await a.stop();
    const read = async () =>
      (await clients.groupOffsets(b.bootstrap, "payments-billing"))
        .filter((r) => r.topic === `${A}.${ORDERS}`)
        .sort((x, y) => x.partition - y.partition);
    const translated = await eventually("stable translated offsets on B", async () => {
      const first = await read();
      await sleep(3000); // three offset-sync intervals
      const second = await read();
      return JSON.stringify(first) === JSON.stringify(second) ? second : undefined;
    });
    const resumed = await clients.consume(b.bootstrap, [`${A}.${ORDERS}`], "payments-billing", RECORDS, 5000);
    expect(resumed).toHaveLength(RECORDS - sum(translated));
    for (const p of translated) {
      const first = resumed.filter((r) => r.partition === p.partition).map((r) => r.offset);
      if (first.length > 0) expect(Math.min(...first)).toBe(p.offset);
    }
    const reprocessed = CONSUMED_ON_A - sum(translated);
    expect(reprocessed).toBeGreaterThanOrEqual(0);
    expect(reprocessed).toBeLessThanOrEqual(OFFSET_LAG_MAX * PARTITIONS);
    // Nothing lost: what the group processed on A plus what it reads on B is every order.
    const seen = new Set([...readOnA, ...resumed.map((r) => r.value)]);
    expect(seen.size).toBe(RECORDS);
  });
});
