import { describe, expect, it } from "vitest";
import { loadExample } from "../testing/examples.js";
import type { KafkaMirrorMaker2 } from "../wire/strimzi.js";
import { mirrorConnectorConfigs } from "./connector-configs.js";

const MM2: KafkaMirrorMaker2 = {
  apiVersion: "kafka.strimzi.io/v1",
  kind: "KafkaMirrorMaker2",
  metadata: { name: "a-to-b" },
  spec: {
    version: "4.3.1",
    replicas: 1,
    target: {
      alias: "b",
      bootstrapServers: "b-kafka-bootstrap:9093",
      groupId: "g",
      configStorageTopic: "c",
      offsetStorageTopic: "o",
      statusStorageTopic: "s",
      tls: { trustedCertificates: [{ secretName: "b-cluster-ca-cert", certificate: "ca.crt" }] },
      authentication: {
        type: "tls",
        certificateAndKey: { secretName: "mm2", certificate: "user.crt", key: "user.key" },
      },
    },
    mirrors: [
      {
        source: {
          alias: "a",
          bootstrapServers: "a.example.com:9094",
          tls: { trustedCertificates: [{ secretName: "a-cluster-ca-cert", certificate: "ca.crt" }] },
          authentication: {
            type: "scram-sha-512",
            username: "mm2-src",
            passwordSecret: { secretName: "mm2-src", password: "password" },
          },
        },
        sourceConnector: { tasksMax: 2, config: { "replication.factor": -1 } },
        checkpointConnector: { config: { "sync.group.offsets.enabled": true } },
        topicsPattern: "orders.*",
        groupsPattern: "app-.*",
      },
    ],
  },
};

describe("mirrorConnectorConfigs", () => {
  const [set] = mirrorConnectorConfigs(MM2, { secretsNamespace: "kafka", heartbeats: true });
  it("builds the MirrorSourceConnector config the resource expresses, credentials as placeholders", () => {
    expect(set?.source).toStrictEqual({
      name: "a->b.MirrorSourceConnector",
      config: {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "replication.factor": "-1",
        "source.cluster.alias": "a",
        "source.cluster.bootstrap.servers": "a.example.com:9094",
        // The whole JAAS line from the user's Secret (the User Operator writes it): one placeholder.
        "source.cluster.sasl.jaas.config": "${secrets:kafka/mm2-src:sasl.jaas.config}",
        "source.cluster.sasl.mechanism": "SCRAM-SHA-512",
        "source.cluster.security.protocol": "SASL_SSL",
        "source.cluster.ssl.truststore.certificates": "${secrets:kafka/a-cluster-ca-cert:ca.crt}",
        "source.cluster.ssl.truststore.type": "PEM",
        "target.cluster.alias": "b",
        "target.cluster.bootstrap.servers": "b-kafka-bootstrap:9093",
        "target.cluster.security.protocol": "SSL",
        "target.cluster.ssl.keystore.certificate.chain": "${secrets:kafka/mm2:user.crt}",
        "target.cluster.ssl.keystore.key": "${secrets:kafka/mm2:user.key}",
        "target.cluster.ssl.keystore.type": "PEM",
        "target.cluster.ssl.truststore.certificates": "${secrets:kafka/b-cluster-ca-cert:ca.crt}",
        "target.cluster.ssl.truststore.type": "PEM",
        "tasks.max": "2",
        topics: "orders.*",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
      },
    });
  });
  it("carries groups to the checkpoint connector and adds a heartbeat connector on request", () => {
    expect(set?.checkpoint.config.groups).toBe("app-.*");
    expect(set?.checkpoint.config["sync.group.offsets.enabled"]).toBe("true");
    expect(set?.checkpoint.config.topics).toBeUndefined();
    expect(set?.heartbeat?.config["connector.class"]).toBe(
      "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
    );
    expect(mirrorConnectorConfigs(MM2, { secretsNamespace: "kafka" })[0]?.heartbeat).toBeUndefined();
  });
  it("translates a rendered DR resource without any literal secret", () => {
    const mm2 = loadExample("dr-active-active/east.yaml")
      .result.items.map((i) => i.object)
      .find((o) => o.kind === "KafkaMirrorMaker2");
    if (mm2?.kind !== "KafkaMirrorMaker2") throw new Error("no MM2");
    const [s] = mirrorConnectorConfigs(mm2, { secretsNamespace: "kafka" });
    expect(s?.source.config["offset-syncs.topic.location"]).toBe("target");
    expect(s?.source.config["source.cluster.sasl.jaas.config"]).toBe(
      "${secrets:kafka/events-west-to-events-east-mm2-source:sasl.jaas.config}",
    );
  });
});
