import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { KafkaMirrorMaker2 } from "@kiln/clusters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { KafkaClients } from "../harness/kafka/clients.js";
import {
  type ConnectWorker,
  type KafkaNode,
  startConnectWorker,
  startKafka,
} from "../harness/kafka/index.js";
import { clusterSpec, connectorStates, deployMirror, eventually, renderedMirrorMaker } from "./support.js";

// Seed scenario 3 (examples/dr-active-active) on real brokers: each side runs MirrorMaker 2
// pulling the other's topics as <peer>.<topic> (DefaultReplicationPolicy, kiln's default).
const EAST = "events-east";
const WEST = "events-west";
const TOPICS = "clicks|orders\\..*";
const GROUPS = "clickstream-.*";
const RECORDS = 30;

function side(name: string, peer: string) {
  return clusterSpec({
    name,
    namespace: "kafka",
    kafka: { version: "4.3.1" },
    disasterRecovery: {
      mode: "active-active",
      peer: { name: peer, namespace: "kafka", bootstrapServers: `${peer}-peering.internal.example.com:9094` },
      topicsPattern: TOPICS,
      groupsPattern: GROUPS,
      checkpointIntervalSeconds: 1,
    },
  });
}

describe("bidirectional DR: MirrorMaker 2 both ways between east and west, without replication loops", () => {
  let dir: string;
  let east: KafkaNode;
  let west: KafkaNode;
  let toEast: ConnectWorker;
  let toWest: ConnectWorker;
  let clients: KafkaClients;

  async function worker(mm2: KafkaMirrorMaker2, bootstrap: string, name: string): Promise<ConnectWorker> {
    return startConnectWorker({
      bootstrap,
      groupId: mm2.spec.target.groupId,
      workDir: dir,
      name,
      heap: "320m",
      properties: {
        "config.storage.topic": mm2.spec.target.configStorageTopic,
        "offset.storage.topic": mm2.spec.target.offsetStorageTopic,
        "status.storage.topic": mm2.spec.target.statusStorageTopic,
      },
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "dr-bi-"));
    const flags = { heap: "256m", properties: { "auto.create.topics.enable": "false" } };
    // Assigned as each starts, so afterAll stops whatever did start when another fails.
    await Promise.all([
      startKafka({ workDir: join(dir, EAST), ...flags }).then((n) => {
        east = n;
      }),
      startKafka({ workDir: join(dir, WEST), ...flags }).then((n) => {
        west = n;
      }),
      KafkaClients.create().then((c) => {
        clients = c;
      }),
    ]);
    // The same topic name is written on both sides: each side's applications write locally.
    await Promise.all([
      clients.createTopic(east.bootstrap, "clicks"),
      clients.createTopic(west.bootstrap, "clicks"),
    ]);
    await clients.produce(east.bootstrap, "clicks", RECORDS, "east");
    await clients.produce(west.bootstrap, "clicks", RECORDS, "west");
    // An application group on each side, inside groupsPattern (the checkpoint connectors have
    // tasks only while there are groups to checkpoint).
    await clients.consume(east.bootstrap, ["clicks"], "clickstream-app", 10);
    await clients.consume(west.bootstrap, ["clicks"], "clickstream-app", 20);

    const eastMm2 = renderedMirrorMaker(side(EAST, WEST)); // west -> east, runs beside east
    const westMm2 = renderedMirrorMaker(side(WEST, EAST)); // east -> west, runs beside west
    await Promise.all([
      worker(eastMm2, east.bootstrap, "mm2-to-east").then((w) => {
        toEast = w;
      }),
      worker(westMm2, west.bootstrap, "mm2-to-west").then((w) => {
        toWest = w;
      }),
    ]);
    const connections = { [EAST]: east.bootstrap, [WEST]: west.bootstrap };
    await deployMirror({
      cluster: side(EAST, WEST),
      connectUrl: toEast.url,
      connectCluster: "east-mm2",
      connections,
      dir: join(dir, "to-east"),
    });
    await deployMirror({
      cluster: side(WEST, EAST),
      connectUrl: toWest.url,
      connectCluster: "west-mm2",
      connections,
      dir: join(dir, "to-west"),
    });
  });

  afterAll(async () => {
    await Promise.allSettled([toEast?.stop(), toWest?.stop()]);
    await Promise.allSettled([east?.stop(), west?.stop()]);
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  async function remoteRecords(bootstrap: string, topic: string, group: string): Promise<string[]> {
    return eventually(
      `${RECORDS} records in ${topic}`,
      async () => {
        const end = await clients.endOffsets(bootstrap, topic).catch(() => []);
        if (end.reduce((n, r) => n + r.offset, 0) < RECORDS) return undefined;
        return (await clients.consume(bootstrap, [topic], group, RECORDS * 2, 4000)).map((r) => r.value);
      },
      150_000,
      2000,
    ).catch(async (err) => {
      throw new Error(
        `${String(err)}\n${await connectorStates(toEast.url)}\n${await connectorStates(toWest.url)}`,
      );
    });
  }

  it("each side sees the other's writes under the peer's prefix, exactly once", async () => {
    const onEast = await remoteRecords(east.bootstrap, `${WEST}.clicks`, "verify-east");
    const onWest = await remoteRecords(west.bootstrap, `${EAST}.clicks`, "verify-west");
    const expected = (p: string) => Array.from({ length: RECORDS }, (_, i) => `${p}-${i}`).sort();
    expect(onEast.sort()).toEqual(expected("west"));
    expect(onWest.sort()).toEqual(expected("east"));
  });

  it("syncs each side's group offsets to the other side's remote topic", async () => {
    const onEast = await eventually("west's clickstream-app offsets on east", async () => {
      const rows = await clients.groupOffsets(east.bootstrap, "clickstream-app");
      return rows.find((r) => r.topic === `${WEST}.clicks` && r.offset > 0);
    });
    const onWest = await eventually("east's clickstream-app offsets on west", async () => {
      const rows = await clients.groupOffsets(west.bootstrap, "clickstream-app");
      return rows.find((r) => r.topic === `${EAST}.clicks` && r.offset > 0);
    });
    // Translated offsets never run ahead of what the group committed on its own side.
    expect(onEast.offset).toBeLessThanOrEqual(20);
    expect(onWest.offset).toBeLessThanOrEqual(10);
    // Each side's own commits on its local topic are untouched.
    const local = await clients.groupOffsets(east.bootstrap, "clickstream-app");
    expect(local.find((r) => r.topic === "clicks")?.offset).toBe(10);
  });

  it("never writes into a side's own topics", async () => {
    const eastLocal = await clients.consume(
      east.bootstrap,
      ["clicks"],
      "verify-east-local",
      RECORDS * 2,
      4000,
    );
    const westLocal = await clients.consume(
      west.bootstrap,
      ["clicks"],
      "verify-west-local",
      RECORDS * 2,
      4000,
    );
    expect(eastLocal.map((r) => r.value).every((v) => v.startsWith("east-"))).toBe(true);
    expect(eastLocal).toHaveLength(RECORDS);
    expect(westLocal.map((r) => r.value).every((v) => v.startsWith("west-"))).toBe(true);
    expect(westLocal).toHaveLength(RECORDS);
  });

  it("does not mirror remote topics back (no <a>.<b>.<topic> loops)", async () => {
    // A topic created after both remote topics exist: once each flow has picked it up, each flow
    // has re-listed its source's topics with the other flow's remote topic among them.
    await clients.createTopic(east.bootstrap, "orders.late");
    await clients.createTopic(west.bootstrap, "orders.late");
    await clients.produce(east.bootstrap, "orders.late", 3, "east-late");
    await clients.produce(west.bootstrap, "orders.late", 3, "west-late");
    const [eastTopics, westTopics] = await eventually(
      "orders.late mirrored both ways",
      async () => {
        const e = await clients.listTopics(east.bootstrap);
        const w = await clients.listTopics(west.bootstrap);
        return e.includes(`${WEST}.orders.late`) && w.includes(`${EAST}.orders.late`) ? [e, w] : undefined;
      },
      120_000,
    );
    const loops = [...eastTopics, ...westTopics].filter((t) =>
      /events-(east|west)\.events-(east|west)\./.test(t),
    );
    expect(loops).toEqual([]);
    expect(eastTopics).toContain(`${WEST}.clicks`);
    expect(westTopics).toContain(`${EAST}.clicks`);
    // And nothing flowed back into the remote topics either: they still hold the peer's records only.
    const back = await clients.consume(
      east.bootstrap,
      [`${WEST}.clicks`],
      "verify-east-again",
      RECORDS * 2,
      4000,
    );
    expect(back).toHaveLength(RECORDS);
    expect(back.every((r) => r.value.startsWith("west-"))).toBe(true);
  });
});
