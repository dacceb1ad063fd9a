import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { LocalEnvironment } from "@kiln/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { KafkaClients } from "../harness/kafka/clients.js";
import { cluster, kilnDown, kilnUp, userConfig } from "../security/support.js";
import { connectorStates, deployMirrorConnectors, eventually } from "./support.js";

// Seed scenario 3 from examples/dr-active-active, as a user runs it: `kiln up` starts both sides
// (scaled to one controller and one broker each) with their TLS listeners, the clickstream
// service and both MirrorMaker 2 flows as the users kiln renders. Each flow dials the other
// side's peering listener through its DNS alias over SCRAM-SHA-512 — a name only the listener's
// alternativeNames put in its certificate.
const EXAMPLES = new URL("../../../examples/dr-active-active/", import.meta.url).pathname;
const EAST = "events-east";
const WEST = "events-west";
const RECORDS = 30;

describe("bidirectional DR on secured clusters from examples/dr-active-active, without replication loops", () => {
  let dir: string;
  let state: string;
  let env: LocalEnvironment;
  let clients: KafkaClients;
  const app: Record<string, KafkaClients> = {};
  const op: Record<string, KafkaClients> = {};
  const boot: Record<string, string> = {};
  const operatorBoot = (c: string) => `${c}-kafka-bootstrap.kafka.svc:9091`;
  const mm2Url = (target: string) =>
    cluster(env, target).connect.find((c) => c.kind === "KafkaMirrorMaker2")?.urls[0] ?? "";

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "dr-bi-"));
    state = join(dir, "state");
    [env, clients] = await Promise.all([
      kilnUp(dir, [
        join(EXAMPLES, "east.yaml"),
        join(EXAMPLES, "west.yaml"),
        "--state",
        state,
        "--scale",
        "1",
      ]),
      KafkaClients.create(),
    ]);
    for (const side of [EAST, WEST]) {
      const c = cluster(env, side);
      const hosts = [`-Djdk.net.hosts.file=${env.hostsFile}`];
      app[side] = clients.with({ configFile: userConfig(c, "clickstream", "tls"), jvmArgs: hosts });
      op[side] = clients.with({ configFile: c.topicOperatorConfig, jvmArgs: hosts });
      boot[side] = c.listeners.find((l) => l.name === "tls")?.bootstrap ?? "";
      // The same topic on both sides, each side's service writing locally; a group inside groupsPattern.
      await op[side]?.createTopic(operatorBoot(side), "clicks");
      await app[side]?.produce(boot[side] ?? "", "clicks", RECORDS, side === EAST ? "east" : "west");
    }
    await app[EAST]?.consume(boot[EAST] ?? "", ["clicks"], "clickstream-app", 10);
    await app[WEST]?.consume(boot[WEST] ?? "", ["clicks"], "clickstream-app", 20);
    // Each flow's connectors go onto their own Connect cluster: both are deployed (and waited for) at once.
    await Promise.all(
      (
        [
          [EAST, WEST, "east.yaml"],
          [WEST, EAST, "west.yaml"],
        ] as const
      ).map(([target, source, file]) =>
        deployMirrorConnectors({
          dir,
          clusterFile: join(EXAMPLES, file),
          connectCluster: `${source}-to-${target}-mm2`,
          connectUrl: mm2Url(target),
          out: `to-${target}`,
        }),
      ),
    );
  });

  afterAll(async () => {
    if (state) await kilnDown(dir, state);
  });

  const remoteRecords = (side: string, topic: string, group: string) =>
    eventually(
      `${RECORDS} records in ${topic} on ${side}`,
      async () => {
        const end = await app[side]?.endOffsets(boot[side] ?? "", topic).catch(() => []);
        if ((end ?? []).reduce((n, r) => n + r.offset, 0) < RECORDS) return undefined;
        return (await app[side]?.consume(boot[side] ?? "", [topic], group, RECORDS * 2, 4000))?.map(
          (r) => r.value,
        );
      },
      150_000,
      2000,
    ).catch(async (err) => {
      throw new Error(
        `${String(err)}\n${await connectorStates(mm2Url(EAST))}\n${await connectorStates(mm2Url(WEST))}`,
      );
    });

  it("each side's service reads the other's writes under the peer's prefix, exactly once, through the peering alias", async () => {
    const [onEast, onWest] = await Promise.all([
      remoteRecords(EAST, `${WEST}.clicks`, "clickstream-verify"),
      remoteRecords(WEST, `${EAST}.clicks`, "clickstream-verify"),
    ]);
    const expected = (p: string) => Array.from({ length: RECORDS }, (_, i) => `${p}-${i}`).sort();
    expect(onEast?.sort()).toEqual(expected("west"));
    expect(onWest?.sort()).toEqual(expected("east"));
  });

  it("syncs each side's group offsets to the other side's remote topic", async () => {
    const synced = (side: string, peer: string) =>
      eventually(`${peer}'s clickstream-app offsets on ${side}`, async () =>
        (await app[side]?.groupOffsets(boot[side] ?? "", "clickstream-app"))?.find(
          (r) => r.topic === `${peer}.clicks` && r.offset > 0,
        ),
      );
    expect((await synced(EAST, WEST)).offset).toBeLessThanOrEqual(20);
    expect((await synced(WEST, EAST)).offset).toBeLessThanOrEqual(10);
    const local = await app[EAST]?.groupOffsets(boot[EAST] ?? "", "clickstream-app");
    expect(local?.find((r) => r.topic === "clicks")?.offset).toBe(10);
  });

  it("never writes into a side's own topics, and mirrors no remote topic back", async () => {
    const sides = [
      [EAST, "east-"],
      [WEST, "west-"],
    ] as const;
    // Each consumer waits 4 s for a record that must never come: both wait at once.
    const locals = await Promise.all(
      sides.map(([side]) =>
        app[side]?.consume(boot[side] ?? "", ["clicks"], "clickstream-local", RECORDS * 2, 4000),
      ),
    );
    for (const [i, [, prefix]] of sides.entries()) {
      expect(locals[i]).toHaveLength(RECORDS);
      expect(locals[i]?.every((r) => r.value.startsWith(prefix))).toBe(true);
    }
    // A topic created after both remote topics exist: once each flow picked it up, each has
    // re-listed its source's topics with the other flow's remote topic among them.
    for (const side of [EAST, WEST]) {
      await op[side]?.createTopic(operatorBoot(side), "orders.late");
      await op[side]?.produce(operatorBoot(side), "orders.late", 3, `${side}-late`);
    }
    const topics = await eventually(
      "orders.late mirrored both ways",
      async () => {
        const e = (await op[EAST]?.listTopics(operatorBoot(EAST))) ?? [];
        const w = (await op[WEST]?.listTopics(operatorBoot(WEST))) ?? [];
        return e.includes(`${WEST}.orders.late`) && w.includes(`${EAST}.orders.late`)
          ? [...e, ...w]
          : undefined;
      },
      120_000,
    );
    expect(topics.filter((t) => /events-(east|west)\.events-(east|west)\./.test(t))).toEqual([]);
  });
});
