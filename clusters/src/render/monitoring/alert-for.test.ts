import { type Cluster, loadSpec } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import type { PrometheusRule } from "../../wire/monitoring.js";
import { renderCluster } from "../index.js";

const cluster = loadSpec(
  JSON.stringify({
    apiVersion: "kiln.dev/v1",
    kind: "Cluster",
    name: "k",
    namespace: "kafka",
    kafka: { version: "4.3.1" },
    connect: [{ name: "c" }],
  }),
  "k.yaml",
  "Cluster",
).value as Cluster;

function rules(opts = {}) {
  const rule = renderCluster(cluster, opts).items.find((i) => i.object.kind === "PrometheusRule");
  if (!rule) throw new Error("no PrometheusRule rendered");
  return (rule.object as PrometheusRule).spec.groups;
}

describe("alertFor render option", () => {
  it("replaces every rule's for: and nothing else; what KafkaNodesDown inhibits still waits longer than it", () => {
    const base = rules();
    const fast = rules({ alertFor: "2s" });
    const inhibited = ["KafkaUnderReplicatedPartitions", "KafkaFencedBrokers", "KafkaExporterDown"];
    expect(base.flatMap((g) => g.rules.map((r) => r.for)).every((f) => f !== "2s")).toBe(true);
    expect(fast.flatMap((g) => g.rules.map((r) => r.for))).toEqual(
      base.flatMap((g) => g.rules.map((r) => (inhibited.includes(r.alert) ? "6s" : "2s"))),
    );
    expect(fast.flatMap((g) => g.rules.filter((r) => inhibited.includes(r.alert))).length).toBe(3);
    const strip = (gs: typeof base) =>
      gs.map((g) => ({ ...g, rules: g.rules.map(({ for: _f, ...r }) => r) }));
    expect(strip(fast)).toStrictEqual(strip(base));
  });
});
