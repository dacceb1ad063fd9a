import { describe, expect, it } from "vitest";
import { renderCluster } from "../render/index.js";
import { exampleFiles, loadCluster, loadExample } from "../testing/examples.js";
import type { Kafka, KafkaConnect, KafkaMirrorMaker2, KafkaNodePool, KafkaUser } from "../wire/strimzi.js";
import { brokerProperties } from "./broker-config.js";
import { connectWorkerProperties } from "./connect-config.js";
import { certificateNames, type Environment, nodeRefs, serviceEntries, unreachable } from "./topology.js";
import { userModel } from "./users.js";

const ENV: Environment = {
  loadBalancerAddress: (svc, ns) => `${svc}.${ns}.lb.test`,
  nodeAddress: (n) => `node-${n.nodeId}.test`,
  routeHost: (r, ns) => `${r}-${ns}.apps.test`,
};

function objects(yaml: string) {
  const all = renderCluster(loadCluster(yaml).cluster).items.map((i) => i.object);
  return {
    kafka: all.find((o): o is Kafka => o.kind === "Kafka") as Kafka,
    pools: all.filter((o): o is KafkaNodePool => o.kind === "KafkaNodePool"),
    users: all.filter((o): o is KafkaUser => o.kind === "KafkaUser"),
  };
}

const CLUSTER = `apiVersion: kiln.dev/v1
kind: Cluster
name: c1
namespace: ns
kafka: { version: 4.3.1 }
monitoring: { enabled: false }
placement: { zones: [z1, z2, z3] }
nodePools:
  - { name: dual, roles: [controller, broker], replicas: 3 }
listeners:
  - { name: tls, type: internal, authentication: { type: tls } }
  - { name: ext, port: 9094, type: loadbalancer, alternativeNames: [kafka.example.com], authentication: { type: scram-sha-512 } }
authorization: { type: simple, superUsers: [CN=admin] }
users:
  - name: app
    authentication: tls
    listener: tls
    topics: [{ name: orders, access: [read, write] }]
    groups: [{ name: app-, patternType: prefix }]
    quotas: { producerByteRate: 1024 }
`;

describe("the Strimzi model", () => {
  const { kafka, pools, users } = objects(CLUSTER);
  const nodes = nodeRefs("c1", pools);

  it("numbers nodes as Strimzi does and spreads each pool over its zones", () => {
    expect(nodes).toStrictEqual([
      { nodeId: 0, pool: "dual", podName: "c1-dual-0", broker: true, controller: true, zone: "z1" },
      { nodeId: 1, pool: "dual", podName: "c1-dual-1", broker: true, controller: true, zone: "z2" },
      { nodeId: 2, pool: "dual", podName: "c1-dual-2", broker: true, controller: true, zone: "z3" },
    ]);
  });

  it("writes a node's properties like Strimzi's KafkaBrokerConfigurationBuilder", () => {
    const props = brokerProperties(kafka, nodes[1] as (typeof nodes)[1], nodes, {
      bindAddress: () => "0.0.0.0",
      env: ENV,
      files: () => ({
        keystore: "/certs/node.pem",
        clusterCaCert: "/certs/cluster-ca.crt",
        clientsCaCert: "/certs/clients-ca.crt",
        listenerKeystore: () => "/certs/listener.pem",
        logDir: "/data",
      }),
    });
    expect(props).toMatchObject({
      "node.id": "1",
      "process.roles": "broker,controller",
      "controller.listener.names": "CONTROLPLANE-9090",
      "controller.quorum.voters":
        "0@c1-dual-0.c1-kafka-brokers.ns.svc:9090,1@c1-dual-1.c1-kafka-brokers.ns.svc:9090,2@c1-dual-2.c1-kafka-brokers.ns.svc:9090",
      listeners:
        "CONTROLPLANE-9090://0.0.0.0:9090,REPLICATION-9091://0.0.0.0:9091,TLS-9093://0.0.0.0:9093,EXT-9094://0.0.0.0:9094",
      "advertised.listeners":
        "CONTROLPLANE-9090://c1-dual-1.c1-kafka-brokers.ns.svc:9090,REPLICATION-9091://c1-dual-1.c1-kafka-brokers.ns.svc:9091,TLS-9093://c1-dual-1.c1-kafka-brokers.ns.svc:9093,EXT-9094://c1-dual-ext-1.ns.lb.test:9094",
      "listener.security.protocol.map":
        "CONTROLPLANE-9090:SSL,REPLICATION-9091:SSL,TLS-9093:SSL,EXT-9094:SASL_SSL",
      "inter.broker.listener.name": "REPLICATION-9091",
      "listener.name.tls-9093.ssl.client.auth": "required",
      "listener.name.tls-9093.ssl.truststore.location": "/certs/clients-ca.crt",
      "listener.name.replication-9091.ssl.truststore.location": "/certs/cluster-ca.crt",
      "listener.name.ext-9094.sasl.enabled.mechanisms": "SCRAM-SHA-512",
      "listener.name.ext-9094.scram-sha-512.sasl.jaas.config":
        "org.apache.kafka.common.security.scram.ScramLoginModule required ;",
      "ssl.endpoint.identification.algorithm": "HTTPS",
      "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      "broker.rack": "z2",
      "default.replication.factor": "3",
    });
    expect(props["super.users"]).toBe(
      "User:CN=c1-kafka,O=io.strimzi;User:CN=c1-entity-topic-operator,O=io.strimzi;User:CN=c1-entity-user-operator,O=io.strimzi;User:CN=c1-kafka-exporter,O=io.strimzi;User:CN=c1-cruise-control,O=io.strimzi;User:CN=cluster-operator,O=io.strimzi;User:CN=admin",
    );
  });

  it("puts every name a client dials in each broker's certificate", () => {
    expect(certificateNames(kafka, nodes[0] as (typeof nodes)[0], nodes, ENV)).toStrictEqual([
      "c1-kafka-bootstrap",
      "c1-kafka-bootstrap.ns",
      "c1-kafka-bootstrap.ns.svc",
      "c1-kafka-bootstrap.ns.svc.cluster.local",
      "c1-kafka-brokers",
      "c1-kafka-brokers.ns",
      "c1-kafka-brokers.ns.svc",
      "c1-kafka-brokers.ns.svc.cluster.local",
      "c1-dual-0.c1-kafka-brokers.ns.svc",
      "c1-dual-0.c1-kafka-brokers.ns.svc.cluster.local",
      "c1-kafka-ext-bootstrap",
      "c1-kafka-ext-bootstrap.ns",
      "c1-kafka-ext-bootstrap.ns.svc",
      "c1-kafka-ext-bootstrap.ns.svc.cluster.local",
      "c1-kafka-ext-bootstrap.ns.lb.test",
      "kafka.example.com",
      "c1-dual-ext-0.ns.lb.test",
    ]);
  });

  it("models the User Operator: certificate principal, ACL bindings and quotas", () => {
    expect(userModel(users[0] as KafkaUser)).toStrictEqual({
      name: "app",
      principal: "CN=app",
      credentials: "certificate",
      acls: [
        ["GROUP", "app-", "PREFIXED", "READ"],
        ["TOPIC", "orders", "LITERAL", "READ"],
        ["TOPIC", "orders", "LITERAL", "WRITE"],
      ].map(([resourceType, name, patternType, operation]) => ({
        principal: "User:CN=app",
        resourceType,
        name,
        patternType,
        operation,
        permission: "ALLOW",
        host: "*",
      })),
      quotas: { producer_byte_rate: 1024 },
    });
  });

  it("tells why an address reaches no listener", () => {
    const entries = serviceEntries(kafka, nodes, ENV);
    expect(unreachable(entries, "c1-kafka-bootstrap.ns.svc:9093")).toBeUndefined();
    expect(unreachable(entries, "c1-kafka-ext-bootstrap.ns.svc:9094")).toBeUndefined();
    expect(unreachable(entries, "kafka.example.com:9094")).toBeUndefined();
    expect(unreachable(entries, "c1-kafka-bootstrap.ns.svc:9094")).toBe(
      "c1-kafka-bootstrap.ns.svc carries ports 9091, 9093, not 9094",
    );
    expect(unreachable(entries, "c9-kafka-bootstrap.ns.svc:9093")).toBe(
      "no Service or address of the cluster is named c9-kafka-bootstrap.ns.svc",
    );
  });
});

/** Every client bootstrap address the examples render, with the Services of its own cluster. */
const exampleClients = exampleFiles().flatMap((file) => {
  const all = loadExample(file).result.items.map((i) => i.object);
  const kafka = all.find((o): o is Kafka => o.kind === "Kafka") as Kafka;
  const pools = all.filter((o): o is KafkaNodePool => o.kind === "KafkaNodePool");
  const entries = serviceEntries(kafka, nodeRefs(kafka.metadata.name, pools), ENV);
  return [
    ...all
      .filter((o): o is KafkaConnect => o.kind === "KafkaConnect")
      .map((c) => [c.metadata.name, c.spec.bootstrapServers]),
    ...all
      .filter((o): o is KafkaMirrorMaker2 => o.kind === "KafkaMirrorMaker2")
      .map((m) => [m.metadata.name, m.spec.target.bootstrapServers]),
  ].map(([name, address]) => ({ file, name, address: address as string, entries }));
});

describe("the clients the examples render", () => {
  it("include Connect and MirrorMaker 2", () => {
    expect(exampleClients.length).toBeGreaterThanOrEqual(4);
  });
  it.each(exampleClients)(
    "$file: $name dials a Service that carries its port ($address)",
    ({ address, entries }) => {
      expect(unreachable(entries, address)).toBeUndefined();
    },
  );
});

describe("connectWorkerProperties", () => {
  const files = {
    trust: () => "/s/trust.pem",
    keystore: () => "/s/keystore.pem",
    secretDir: (name: string) => `/s/${name}`,
  };
  const base = {
    bootstrapServers: "c1-kafka-tls-bootstrap.ns.svc:9093",
    groupId: "etl-cluster",
    configStorageTopic: "etl-configs",
    offsetStorageTopic: "etl-offsets",
    statusStorageTopic: "etl-status",
    tls: { trustedCertificates: [{ secretName: "c1-cluster-ca-cert", certificate: "ca.crt" }] },
  };
  const opts = {
    files,
    restListener: "http://10.0.0.1:8083",
    restHost: "10.0.0.1",
    restPort: 8083,
    pluginPath: "/p",
  };

  it("authenticates the worker and every client it creates with the Connect user's certificate", () => {
    const props = connectWorkerProperties(
      {
        ...base,
        authentication: {
          type: "tls",
          certificateAndKey: { secretName: "etl-connect", certificate: "user.crt", key: "user.key" },
        },
        config: { "config.providers": "secrets", "ssl.cipher.suites": "TLS_AES_128_GCM_SHA256" },
      },
      opts,
    );
    for (const prefix of ["", "producer.", "consumer.", "admin."])
      expect(props, prefix || "worker").toMatchObject({
        [`${prefix}security.protocol`]: "SSL",
        [`${prefix}ssl.truststore.location`]: "/s/trust.pem",
        [`${prefix}ssl.keystore.location`]: "/s/keystore.pem",
      });
    expect(props["config.providers"]).toBe("secrets,strimzienv,strimzifile,strimzidir");
    // The user's settings apply to the worker only, as Strimzi passes them.
    expect(props["ssl.cipher.suites"]).toBe("TLS_AES_128_GCM_SHA256");
    expect(props["producer.ssl.cipher.suites"]).toBeUndefined();
  });

  it("reads a SCRAM password from the user's Secret, never inline", () => {
    const props = connectWorkerProperties(
      {
        ...base,
        authentication: {
          type: "scram-sha-512",
          username: "etl-connect",
          passwordSecret: { secretName: "etl-connect", password: "password" },
        },
      },
      opts,
    );
    expect(props["consumer.security.protocol"]).toBe("SASL_SSL");
    expect(props["admin.sasl.jaas.config"]).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="etl-connect" password="${strimzidir:/s/etl-connect:password}";',
    );
  });
});
