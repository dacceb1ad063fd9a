import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Cluster, loadSpec } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { renderCluster } from "../render/index.js";
import type { KafkaMirrorMaker2 } from "../wire/strimzi.js";
import { mirrorConnectorConfigs, mirrorConnectorDocuments } from "./connector-configs.js";

const examples = join(import.meta.dirname, "..", "..", "..", "examples");

function mm2Of(file: string): KafkaMirrorMaker2 {
  const text = readFileSync(join(examples, file), "utf8");
  const cluster = loadSpec(text, file, "Cluster").value as Cluster;
  const found = renderCluster(cluster).items.find((i) => i.object.kind === "KafkaMirrorMaker2");
  if (!found) throw new Error(`${file} renders no KafkaMirrorMaker2`);
  return found.object as KafkaMirrorMaker2;
}

const BYTES = "org.apache.kafka.connect.converters.ByteArrayConverter";

describe("mirrorConnectorConfigs", () => {
  const mm2 = mm2Of("dr-active-passive/backup.yaml");
  const mirror = mm2.spec.mirrors[0];

  it("carries the resource's aliases, patterns, tasks and connector settings", () => {
    const [set] = mirrorConnectorConfigs(mm2, { secretsNamespace: "kafka" });
    expect(set?.source.name).toBe("payments-weu->payments-neu.MirrorSourceConnector");
    const source = set?.source.config ?? {};
    expect(source.topics).toBe(mirror?.topicsPattern);
    expect(source["tasks.max"]).toBe(String(mirror?.sourceConnector?.tasksMax));
    for (const [k, v] of Object.entries(mirror?.sourceConnector?.config ?? {}))
      expect(source[k], k).toBe(String(v));
    const checkpoint = set?.checkpoint.config ?? {};
    expect(checkpoint.groups).toBe(mirror?.groupsPattern);
    for (const [k, v] of Object.entries(mirror?.checkpointConnector?.config ?? {}))
      expect(checkpoint[k], k).toBe(String(v));
    expect(source["source.cluster.bootstrap.servers"]).toBe(mirror?.source.bootstrapServers);
    expect(source["target.cluster.bootstrap.servers"]).toBe(mm2.spec.target.bootstrapServers);
    expect(source["source.cluster.security.protocol"]).toBe("SSL");
  });

  it("copies records as bytes on every connector, whatever the worker's converters", () => {
    const [set] = mirrorConnectorConfigs(mm2, { secretsNamespace: "kafka", heartbeats: true });
    for (const c of [set?.source, set?.checkpoint, set?.heartbeat]) {
      expect(c?.config["key.converter"]).toBe(BYTES);
      expect(c?.config["value.converter"]).toBe(BYTES);
      expect(c?.config["header.converter"]).toBe(BYTES);
    }
    expect(set?.heartbeat?.config["heartbeats.topic.replication.factor"]).toBe("-1");
  });

  it("replaces addresses, TLS and authentication of the clusters given in connections", () => {
    const [set] = mirrorConnectorConfigs(mm2, {
      secretsNamespace: "kafka",
      connections: {
        "payments-weu": { bootstrapServers: "127.0.0.1:9092" },
        "payments-neu": {
          bootstrapServers: "neu.example.com:9093",
          client: {
            "security.protocol": "SSL",
            "ssl.truststore.location": "${file:/etc/kafka/tls.properties:ts}",
          },
        },
      },
    });
    const c = set?.source.config ?? {};
    expect(c["source.cluster.bootstrap.servers"]).toBe("127.0.0.1:9092");
    expect(c["source.cluster.security.protocol"]).toBe("PLAINTEXT");
    expect(Object.keys(c).filter((k) => /^source\.cluster\.(ssl|sasl)\./.test(k))).toEqual([]);
    expect(c["target.cluster.bootstrap.servers"]).toBe("neu.example.com:9093");
    expect(c["target.cluster.security.protocol"]).toBe("SSL");
    expect(c["target.cluster.ssl.truststore.location"]).toBe("${file:/etc/kafka/tls.properties:ts}");
    expect(c["target.cluster.ssl.keystore.key"]).toBeUndefined();
    // The resource's own per-cluster settings stay.
    expect(c["target.cluster.config.storage.replication.factor"]).toBe("-1");
  });

  it("applies overrides last, per connector kind", () => {
    const [set] = mirrorConnectorConfigs(mm2, {
      secretsNamespace: "kafka",
      overrides: {
        source: { "refresh.topics.interval.seconds": "2" },
        checkpoint: { "emit.checkpoints.interval.seconds": "1" },
      },
    });
    expect(set?.source.config["refresh.topics.interval.seconds"]).toBe("2");
    expect(set?.checkpoint.config["emit.checkpoints.interval.seconds"]).toBe("1");
    expect(set?.checkpoint.config["refresh.topics.interval.seconds"]).toBeUndefined();
  });
});

describe("mirrorConnectorDocuments", () => {
  it.each([
    ["dr-active-passive/backup.yaml", "payments-weu-to-payments-neu"],
    ["dr-active-active/east.yaml", "events-west-to-events-east"],
    ["dr-active-active/west.yaml", "events-east-to-events-west"],
  ])("%s: valid kiln Connector documents named %s.*", (file, flow) => {
    const docs = mirrorConnectorDocuments(mm2Of(file), {
      secretsNamespace: "kafka",
      connectCluster: "mm2",
      heartbeats: true,
    });
    expect(docs.map((d) => d.name)).toEqual([
      `${flow}.MirrorSourceConnector`,
      `${flow}.MirrorCheckpointConnector`,
      `${flow}.MirrorHeartbeatConnector`,
    ]);
    for (const d of docs) {
      const loaded = loadSpec(JSON.stringify(d), `${d.name}.yaml`, "Connector").value;
      expect(loaded).toStrictEqual(d);
      expect(d.plugin).toStrictEqual({ name: "kafka-mirror-maker", class: d.config["connector.class"] });
    }
  });
});
