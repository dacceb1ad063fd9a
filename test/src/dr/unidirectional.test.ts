import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KafkaUser } from "@kiln/clusters";
import { type AclBinding, userModel } from "@kiln/clusters/strimzi";
import { ConnectClient } from "@kiln/connectors";
import { describeGrant, grantUsage, type LocalEnvironment, parseAuditLog } from "@kiln/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { required } from "../harness/inject.js";
import { KafkaClients, type PartitionOffset } from "../harness/kafka/clients.js";
import { scrapeNames } from "../harness/monitoring/exporters.js";
import { cluster, kilnDown, kilnUp, userConfig } from "../security/support.js";
import { connectorStates, deployMirrorConnectors, eventually, FAST_MM2_FLAGS, kiln } from "./support.js";

// Seed scenario 2 from examples/dr-active-passive, as a user runs it: `kiln up` starts both
// clusters (scaled to one controller and one broker each) with TLS on every listener, mTLS
// users and simple authorization, the payments services and MirrorMaker 2 as the KafkaUsers kiln
// renders; MirrorMaker 2's connectors are deployed with `kiln mirror-connectors` + `kiln
// connectors apply` on the Connect cluster of the rendered KafkaMirrorMaker2. Failover follows
// the rendered runbook.
const EXAMPLES = new URL("../../../examples/dr-active-passive/", import.meta.url).pathname;
const A = "payments-weu"; // primary
const B = "payments-neu"; // backup
const ORDERS = "payments.orders";
const PARTITIONS = 2;
const RECORDS = 200;
const CONSUMED_ON_A = 120;
/** MirrorSourceConnector's `offset.lag.max` default: how far a translated offset may trail the committed one. */
const OFFSET_LAG_MAX = 100;
const MM2 = `${A}-to-${B}`;

const sum = (rows: PartitionOffset[]) => rows.reduce((n, r) => n + r.offset, 0);

describe("unidirectional DR on secured clusters from examples/dr-active-passive, as the users kiln renders", () => {
  let dir: string;
  let state: string;
  let env: LocalEnvironment;
  let clients: KafkaClients;
  /** The payments services on A and on B, and Strimzi's topic operator (a super-user) on each. */
  let appA: KafkaClients;
  let appB: KafkaClients;
  let opA: KafkaClients;
  let opB: KafkaClients;
  let bootA: string;
  let bootB: string;
  let connectUrl: string;
  let committedOnA: PartitionOffset[];
  let readOnA: string[];

  const as = (file: string) =>
    clients.with({ configFile: file, jvmArgs: [`-Djdk.net.hosts.file=${env.hostsFile}`] });
  const mirrorDir = "connectors";

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "dr-uni-"));
    state = join(dir, "state");
    [env, clients] = await Promise.all([
      kilnUp(dir, [
        join(EXAMPLES, "primary.yaml"),
        join(EXAMPLES, "backup.yaml"),
        "--state",
        state,
        "--scale",
        "1",
        "--audit-log",
      ]),
      KafkaClients.create(),
    ]);
    const a = cluster(env, A);
    const b = cluster(env, B);
    bootA = a.listeners.find((l) => l.name === "tls")?.bootstrap ?? "";
    bootB = b.listeners.find((l) => l.name === "tls")?.bootstrap ?? "";
    appA = as(userConfig(a, "payments-app", "tls"));
    appB = as(userConfig(b, "payments-app", "tls"));
    opA = as(a.topicOperatorConfig);
    opB = as(b.topicOperatorConfig);
    const operator = `${A}-kafka-bootstrap.kafka.svc:9091`;
    const mm2 = b.connect.find((c) => c.kind === "KafkaMirrorMaker2");
    connectUrl = mm2?.urls[0] ?? "";
    expect(connectUrl, "kiln up runs the KafkaMirrorMaker2's Connect cluster").not.toBe("");

    // Topics as KafkaTopics would make them; traffic as the payments services, before replication starts.
    await opA.createTopic(operator, ORDERS, { partitions: PARTITIONS });
    await opA.createTopic(operator, "ledger");
    await opA.createTopic(operator, "audit");
    await appA.produce(bootA, ORDERS, RECORDS, "order");
    await appA.produce(bootA, "ledger", 50, "entry");
    await opA.produce(operator, "audit", 10, "audit");
    // A group inside the groups pattern that processed part of the orders, and one outside it.
    const read = await appA.consume(bootA, [ORDERS], "payments-billing", CONSUMED_ON_A);
    expect(read).toHaveLength(CONSUMED_ON_A);
    readOnA = read.map((r) => r.value);
    await opA.consume(operator, [ORDERS], "reporting", 10);
    expect(await appA.consume(bootA, ["ledger"], "payments-ledger", 50)).toHaveLength(50);
    committedOnA = await appA.groupOffsets(bootA, "payments-billing");

    await deployMirrorConnectors({
      dir,
      clusterFile: join(EXAMPLES, "backup.yaml"),
      connectCluster: `${MM2}-mm2`,
      connectUrl,
      out: mirrorDir,
    });
  });

  afterAll(async () => {
    if (state) await kilnDown(dir, state);
  });

  it("replicates the mirrored topics to B as <alias>.<topic>, and only those, with the offset-syncs topic named after the source", async () => {
    const operator = `${B}-kafka-bootstrap.kafka.svc:9091`;
    const topics = await eventually(
      "remote topics on B",
      async () => {
        const t = await opB.listTopics(operator);
        return t.includes(`${A}.${ORDERS}`) && t.includes(`${A}.ledger`) ? t : undefined;
      },
      120_000,
    ).catch(async (err) => {
      throw new Error(`${String(err)}\n${await connectorStates(connectUrl)}`);
    });
    expect(topics).not.toContain(`${A}.audit`);
    expect(topics).toContain(`${A}.checkpoints.internal`);
    // MirrorSourceConfig names it after the source alias when it lives on the target: the target user may write it.
    expect(topics).toContain(`mm2-offset-syncs.${A}.internal`);
  });

  it("copies every record, with its content, readable on B by the payments service", async () => {
    const expected = Array.from({ length: RECORDS }, (_, i) => `order-${i}`).sort();
    await eventually("all orders on B", async () =>
      sum(await appB.endOffsets(bootB, `${A}.${ORDERS}`)) >= RECORDS ? true : undefined,
    );
    const read = await appB.consume(bootB, [`${A}.${ORDERS}`], "payments-verify", RECORDS + 10, 5000);
    expect(read.map((r) => r.value).sort()).toEqual(expected);
  });

  it("syncs the offsets of mirrored groups to B, within offset.lag.max of A's, and no others", async () => {
    expect(sum(committedOnA)).toBe(CONSUMED_ON_A);
    const synced = await eventually(
      "payments-billing offsets on B",
      async () => {
        const rows = (await appB.groupOffsets(bootB, "payments-billing")).filter(
          (r) => r.topic === `${A}.${ORDERS}`,
        );
        return rows.length === committedOnA.length && sum(rows) > 0 ? rows : undefined;
      },
      120_000,
    ).catch(async (err) => {
      throw new Error(`${String(err)}\n${await connectorStates(connectUrl)}`);
    });
    for (const upstream of committedOnA) {
      const translated = synced.find((r) => r.partition === upstream.partition);
      expect(translated?.offset).toBeLessThanOrEqual(upstream.offset);
      expect(upstream.offset - (translated?.offset ?? 0)).toBeLessThanOrEqual(OFFSET_LAG_MAX);
    }
    expect(await opB.groupOffsets(`${B}-kafka-bootstrap.kafka.svc:9091`, "reporting")).toEqual([]);
  });

  it("exposes the MirrorMaker 2 metrics the dashboards query, through the rendered exporter config", async () => {
    const target = cluster(env, B).connect.find((c) => c.kind === "KafkaMirrorMaker2")?.metrics[0] ?? "";
    const names = await eventually("mirror metrics", async () => {
      const n = await scrapeNames(target);
      return n.has("kafka_connect_mirror_source_connector_replication_latency_ms_max") ? n : undefined;
    });
    for (const m of [
      "kafka_connect_mirror_source_connector_record_age_ms_max",
      "kafka_connect_connector_status",
    ])
      expect(names).toContain(m);
  });

  describe("a needed grant removed", () => {
    it("without one needed grant (the target user's Write on the remote topics) replication fails with the broker's authorization error", async () => {
      const grant = {
        principal: `User:CN=${MM2}-mm2`,
        resourceType: "TOPIC",
        name: `${A}.`,
        patternType: "PREFIXED",
        operation: "WRITE",
      };
      const operatorB = `${B}-kafka-bootstrap.kafka.svc:9091`;
      await opB.acl(operatorB, "delete", grant);
      try {
        await appA.produce(bootA, ORDERS, 1, "refused", RECORDS);
        const log =
          cluster(env, B).connect.find((c) => c.kind === "KafkaMirrorMaker2")?.workers[0]?.logFile ?? "";
        await eventually(
          "MirrorSourceConnector refused on B",
          async () =>
            (await readFile(log, "utf8")).match(
              /TopicAuthorizationException[^\n]*payments-weu\.payments\.orders/,
            )
              ? true
              : undefined,
          60_000,
        );
        // Connect gives the task up once its producer's retries are spent.
        const client = new ConnectClient({ urls: [connectUrl] });
        try {
          await eventually("the failed MirrorSourceConnector task", async () =>
            (await client.status(`${MM2}.MirrorSourceConnector`)).tasks.some((t) => t.state === "FAILED")
              ? true
              : undefined,
          );
        } finally {
          await client.close();
        }
      } finally {
        await opB.acl(operatorB, "create", grant);
      }
      // With the grant back, the failed task restarts and the refused record arrives.
      await kiln(dir, "connectors", "restart", "--dir", mirrorDir);
      await eventually("the refused record on B after the grant is back", async () =>
        sum(await appB.endOffsets(bootB, `${A}.${ORDERS}`)) > RECORDS ? true : undefined,
      );
    });
  });

  it("fails over as the rendered runbook says: the group resumes on B from the translated offsets, replication stopped", async () => {
    const runbookOut = JSON.parse(
      await kiln(dir, "render", join(EXAMPLES, "backup.yaml"), "--out", "rendered-runbook", "--json"),
    ) as { out: string };
    const runbook = await readFile(join(dir, runbookOut.out, "DR-RUNBOOK.md"), "utf8");
    const failover = runbook.split("## Failover")[1]?.split("\n## ")[0] ?? "";
    // Step 3: consumers subscribe to the remote topic the runbook names.
    expect(failover).toContain(`subscribe to \`${A}.<topic>\``);
    const commands = [...failover.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
      (m[1] ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("kiln "))
        .map((l) =>
          l
            .replaceAll("<connectors-dir>", mirrorDir)
            .replaceAll("<connect-cluster>", `${MM2}-mm2`)
            .replaceAll("<cluster-file>", join(EXAMPLES, "backup.yaml")),
        ),
    );
    expect(commands.length).toBeGreaterThanOrEqual(3);

    // Step 1: A is gone (the region is lost).
    await kiln(dir, "down", "--state", state, "--cluster", A);
    // Step 2, as the runbook's command: every MirrorMaker 2 connector of the flow is listed.
    const status = await kiln(dir, ...(commands[0]?.split(" ").slice(1) ?? []));
    expect(status).toContain(`${MM2}.MirrorSourceConnector`);
    // Once B's copy of the group's offsets is stable, the service starts on B with the same group.
    const read = async () =>
      (await appB.groupOffsets(bootB, "payments-billing"))
        .filter((r) => r.topic === `${A}.${ORDERS}`)
        .sort((x, y) => x.partition - y.partition);
    const translated = await eventually("stable translated offsets on B", async () => {
      const first = await read();
      await sleep(3000);
      const second = await read();
      return JSON.stringify(first) === JSON.stringify(second) ? second : undefined;
    });
    // Every order replicated: the 200 and the one written while a grant was missing.
    const total = sum(await appB.endOffsets(bootB, `${A}.${ORDERS}`));
    expect(total).toBe(RECORDS + 1);
    const resumed = await appB.consume(bootB, [`${A}.${ORDERS}`], "payments-billing", total, 5000);
    expect(resumed).toHaveLength(total - sum(translated));
    const reprocessed = CONSUMED_ON_A - sum(translated);
    expect(reprocessed).toBeGreaterThanOrEqual(0);
    expect(reprocessed).toBeLessThanOrEqual(OFFSET_LAG_MAX * PARTITIONS);
    expect(new Set([...readOnA, ...resumed.map((r) => r.value)]).size).toBe(total);
    // Step 4: producers write here, once the topic exists here (a KafkaTopic, made by the topic operator).
    await opB.createTopic(`${B}-kafka-bootstrap.kafka.svc:9091`, ORDERS, { partitions: PARTITIONS });
    await appB.produce(bootB, ORDERS, 5, "after-failover");
    // Step 5, as the runbook's commands: replication stops, its offsets kept for the failback.
    // The deployment's overrides go with the runbook's `kiln mirror-connectors`, so only the state changes.
    for (const c of commands.slice(1)) {
      const args = c.split(" ").slice(1);
      await kiln(dir, ...args, ...(args[0] === "mirror-connectors" ? FAST_MM2_FLAGS : []));
    }
    const client = new ConnectClient({ urls: [connectUrl] });
    try {
      for (const name of [`${MM2}.MirrorSourceConnector`, `${MM2}.MirrorCheckpointConnector`])
        expect((await client.status(name)).connector.state, name).toBe("STOPPED");
    } finally {
      await client.close();
    }
  });

  describe("least privilege (after everything above ran)", () => {
    /** Every grant of the rendered KafkaUsers on `name`, and what the authorizer allowed there. */
    const usage = async (name: string, users: string[]) => {
      const rendered = JSON.parse(
        await kiln(
          dir,
          "render",
          join(EXAMPLES, name === A ? "primary.yaml" : "backup.yaml"),
          "--out",
          `rendered-${name}`,
          "--json",
        ),
      ) as { files: string[] };
      const grants: AclBinding[] = [];
      for (const f of rendered.files.filter((x) => x.startsWith("users/"))) {
        const u = parseYaml(await readFile(join(dir, `rendered-${name}`, f), "utf8")) as KafkaUser;
        if (users.includes(u.metadata.name)) grants.push(...userModel(u).acls);
      }
      const log = (await Promise.all(cluster(env, name).nodes.map((n) => readFile(n.logFile, "utf8")))).join(
        "\n",
      );
      return grantUsage(grants, parseAuditLog(log));
    };

    it("every grant the MirrorMaker 2 users and the payments service hold was needed, or is justified", async () => {
      const justified = new Set<string>(JUSTIFIED);
      const report = [
        ...(await usage(A, [`${MM2}-mm2-source`, "payments-app"])),
        ...(await usage(B, [`${MM2}-mm2`])),
      ];
      const unneeded = report.filter((u) => u.neededFor.length === 0).map((u) => describeGrant(u.grant));
      console.log(
        `grants needed: ${report.length - unneeded.length} of ${report.length}; not needed here:\n  ${unneeded.join("\n  ")}`,
      );
      expect(unneeded.filter((g) => !justified.has(g))).toStrictEqual([]);
    });
  });
});

/**
 * Grants kiln renders that this run need not use, and why they stay (clusters/README.md,
 * "Users and least privilege"). Anything else unused fails the test: remove it from the renderer.
 */
const JUSTIFIED = [
  // MirrorSourceConnector adds partitions to a remote topic when its source grows (not done here).
  `User:CN=${MM2}-mm2 ALTER TOPIC:${A}.*`,
  // The Connect worker group: the mirrored groups' prefix (payments-) happens to cover it here.
  `User:CN=${MM2}-mm2 READ GROUP:${MM2}-mm2`,
];
