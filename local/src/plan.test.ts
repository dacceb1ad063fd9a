import { readFileSync } from "node:fs";
import { renderCluster } from "@kiln/clusters";
import { type Cluster, loadSpec } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { hostsFileText } from "./loopback.js";
import { planCluster } from "./plan.js";

const example = (file: string) => {
  const text = readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8");
  return renderCluster(loadSpec<Cluster>(text, file, "Cluster").value).items.map((i) => i.object);
};

describe("planCluster", () => {
  const plan = planCluster(example("three-zone/cluster.yaml"), { block: "127.20.1", scale: { all: 1 } });

  it("scales each pool down and gives every node its own loopback address", () => {
    expect(plan.nodes.map((n) => [n.podName, n.ip, n.broker, n.controller, n.zone])).toStrictEqual([
      ["orders-brokers-0", "127.20.1.10", true, false, "westeurope-1"],
      ["orders-controllers-1", "127.20.1.11", false, true, "westeurope-1"],
    ]);
  });

  it("lowers only the replication settings one broker cannot meet", () => {
    expect(plan.overrides).toStrictEqual({
      "default.replication.factor": "1",
      "min.insync.replicas": "1",
      "offsets.topic.replication.factor": "1",
      "share.coordinator.state.topic.min.isr": "1",
      "share.coordinator.state.topic.replication.factor": "1",
      "transaction.state.log.min.isr": "1",
      "transaction.state.log.replication.factor": "1",
    });
  });

  it("bootstraps each listener through its own Service, with the protocol its authentication needs", () => {
    expect(plan.listeners.map((l) => [l.name, l.bootstrap, l.securityProtocol])).toStrictEqual([
      ["tls", "orders-kafka-tls-bootstrap.kafka.svc:9093", "SSL"],
      ["vnet", "orders-kafka-vnet-bootstrap.kafka.svc:9094", "SSL"],
      ["external", "orders-kafka-external-bootstrap.kafka.svc:9095", "SASL_SSL"],
    ]);
  });

  it("models every rendered KafkaUser, and no user twice", () => {
    expect(plan.users.map((u) => [u.name, u.principal, u.credentials])).toStrictEqual([
      ["order-service", "CN=order-service", "certificate"],
      ["partner-feed", "partner-feed", "scram"],
      ["cdc-connect", "CN=cdc-connect", "certificate"],
      ["sinks-connect", "CN=sinks-connect", "certificate"],
    ]);
  });

  it("resolves Service names to the brokers only, pod names to their own node", () => {
    const text = hostsFileText(plan.hosts);
    const line = (ip: string) => text.split("\n").find((l) => l.startsWith(`${ip} `)) ?? "";
    expect(line("127.20.1.10")).toContain(" orders-kafka-tls-bootstrap.kafka.svc ");
    expect(line("127.20.1.11")).not.toContain("orders-kafka-tls-bootstrap");
    expect(line("127.20.1.11")).toContain(" orders-controllers-1.orders-kafka-brokers.kafka.svc ");
  });

  it("scales the pools and Connect clusters it names apart from the rest", () => {
    const two = planCluster(example("three-zone/cluster.yaml"), {
      block: "127.20.1",
      scale: { all: 1, byName: { brokers: 2, cdc: 2 } },
    });
    expect(two.nodes.map((n) => n.podName)).toStrictEqual([
      "orders-brokers-0",
      "orders-brokers-1",
      "orders-controllers-2",
    ]);
    expect(two.connect.map((c) => [c.name, c.workers.length])).toStrictEqual([
      ["cdc", 2],
      ["sinks", 1],
    ]);
  });

  it("carries the KafkaConnectors of a Connect cluster that uses connector resources, and only those", () => {
    expect(plan.connect.map((c) => [c.name, c.connectors.map((k) => k.metadata.name)])).toStrictEqual([
      ["cdc", []],
      ["sinks", ["orders-to-warehouse"]],
    ]);
  });
});
