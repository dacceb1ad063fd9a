import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolve } from "../render/context.js";
import { renderCluster } from "../render/index.js";
import {
  EXAMPLES_DIR,
  exampleFiles,
  loadCluster,
  loadExample,
  threeZoneBeforeFixes,
} from "../testing/examples.js";
import { connectivity, type FlowResult, problems } from "./model.js";

const flow = (flows: FlowResult[], from: RegExp, to: RegExp, port: number) => {
  const hits = flows.filter((f) => from.test(f.from) && to.test(f.to) && f.port === port);
  if (hits.length === 0) throw new Error(`no flow ${from} → ${to}:${port}`);
  return hits.map((f) => `${f.expect}/${f.actual}`);
};

const clusterOf = (file: string) => loadCluster(readFileSync(join(EXAMPLES_DIR, file), "utf8"), file).cluster;

describe("the connectivity matrix of every example", () => {
  it.each(exampleFiles())("%s: every required flow is open and every forbidden one closed", (file) => {
    const m = loadExample(file).result.connectivity;
    expect(problems(m)).toStrictEqual([]);
    expect(m.flows.filter((f) => f.expect === "allow").length).toBeGreaterThan(10);
    expect(m.flows.filter((f) => f.expect === "deny").length).toBeGreaterThan(5);
    expect(m.flows.every((f) => f.actual === f.expect)).toBe(true);
  });

  it.each(["dr-active-passive", "dr-active-active"])(
    "%s: with both files, each MirrorMaker 2 reaches the other side's listener through its policies",
    (dir) => {
      const files = exampleFiles().filter((f) => dirname(f) === dir);
      const clusters = files.map(clusterOf);
      const mirrored: FlowResult[] = [];
      for (const c of clusters) {
        const m = renderCluster(c, { peers: clusters.filter((x) => x !== c) }).connectivity;
        expect(problems(m)).toStrictEqual([]);
        expect(m.notes).toStrictEqual([]);
        mirrored.push(...m.flows.filter((f) => /mirrormaker2 \(10\./.test(f.from)));
      }
      // Active-passive: one MirrorMaker 2, seen from both files; active-active: two.
      expect(mirrored.length).toBeGreaterThan(0);
      expect(mirrored.every((f) => f.expect === "allow" && f.actual === "allow" && f.port === 9094)).toBe(
        true,
      );
    },
  );

  it("three-zone: Prometheus scrapes the REST-mode Connect cluster and its workers reach each other", () => {
    const { flows } = loadExample("three-zone/cluster.yaml").result.connectivity;
    expect(flow(flows, /^Prometheus/, /^cdc-connect$/, 9404)).toStrictEqual(["allow/allow"]);
    expect(flow(flows, /^cdc-connect$/, /^cdc-connect$/, 8083)).toStrictEqual(["allow/allow"]);
    expect(flow(flows, /kiln-deploy/, /^cdc-connect$/, 8083)).toStrictEqual(["allow/allow"]);
    expect(flow(flows, /^sinks-connect$/, /^cdc-connect$/, 8083)).toStrictEqual(["deny/deny"]);
    expect(flow(flows, /^cdc-connect$/, /^sinks-connect$/, 8083)).toStrictEqual(["deny/deny"]);
    // The internal tls listener keeps to its namespace; vnet to its address block; external to anyone.
    expect(flow(flows, /listener tls peer/, /^orders-brokers$/, 9093)).toStrictEqual(["allow/allow"]);
    expect(flow(flows, /kiln-stranger/, /^orders-brokers$/, 9093)).toStrictEqual(["deny/deny"]);
    expect(flow(flows, /^10\.20\./, /^orders-brokers$/, 9094)).toStrictEqual(["allow/allow"]);
    expect(flow(flows, /outside every/, /^orders-brokers$/, 9094)).toStrictEqual(["deny/deny"]);
    expect(flow(flows, /^203\.0\.113\.\d+ \(anyone/, /^orders-brokers$/, 9095)).toStrictEqual([
      "allow/allow",
    ]);
  });
});

describe("the matrix fails what kiln rendered before the NetworkPolicy fixes", () => {
  const { cluster, objects } = threeZoneBeforeFixes();
  const found = problems(connectivity({ ctx: resolve(cluster), objects }));

  it("names the blocked scrape, the blocked worker-to-worker REST and the open listener, with the policy to change", () => {
    expect(found).toContain(
      "required flow Prometheus (namespace monitoring) → cdc-connect:9404 (Prometheus scrapes every metrics port) is blocked by NetworkPolicy kafka/cdc-connect-rest (kiln's); change monitoring.prometheusNamespace",
    );
    expect(found).toContain(
      "required flow cdc-connect → cdc-connect:8083 (followers forward REST requests to the leader) is blocked by NetworkPolicy kafka/cdc-connect-rest (kiln's)",
    );
    expect(found).toContain(
      "forbidden flow a pod of namespace kiln-stranger → orders-brokers:9093 is open through NetworkPolicy kafka/orders-network-policy-kafka (Strimzi's) (listener tls admits only its peers); change listeners[tls].peers",
    );
  });
});

describe("the matrix refuses a definition whose policies contradict its own flows", () => {
  it("a Connect cluster on a listener that admits only an address block", () => {
    const { cluster } = loadCluster(`apiVersion: kiln.dev/v1
kind: Cluster
name: c1
namespace: ns
kafka: { version: 4.3.1 }
listeners:
  - { name: tls, type: cluster-ip, peers: [{ ipBlock: { cidr: 10.0.0.0/8 } }] }
connect:
  - { name: a }
`);
    expect(problems(renderCluster(cluster).connectivity)).toStrictEqual([
      "required flow a-connect → c1-broker:9093 (Connect a reaches its listener tls) is blocked by NetworkPolicy ns/c1-network-policy-kafka (Strimzi's); change listeners[tls].peers",
    ]);
  });

  it("a DR peer whose listener does not admit this side's MirrorMaker 2", () => {
    const primary = clusterOf("dr-active-passive/primary.yaml");
    const backup = clusterOf("dr-active-passive/backup.yaml");
    const moved = { ...backup, network: { egressCidrs: ["10.99.0.0/16"] } };
    expect(problems(renderCluster(primary, { peers: [moved] }).connectivity)).toStrictEqual([
      "required flow payments-weu-to-payments-neu-mirrormaker2 (10.99.0.20) → payments-weu/payments-weu-broker:9094 (MirrorMaker 2 reads payments-weu through payments-weu-dr.internal.example.com:9094) is blocked by NetworkPolicy kafka/payments-weu-network-policy-kafka (Strimzi's); change payments-weu: listeners[dr].peers (admit payments-neu's network.egressCidrs)",
    ]);
  });
});
