import { describe, expect, it } from "vitest";
import type { KubeObject } from "./objects.js";
import { removedNodeIds, scaleDownGate } from "./scale-down.js";

const pool = (
  replicas: number,
  opts: { nodeIds?: number[]; annotations?: Record<string, string> } = {},
): KubeObject => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind: "KafkaNodePool",
  metadata: {
    name: "brokers",
    namespace: "kafka",
    labels: { "strimzi.io/cluster": "orders" },
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  },
  spec: { replicas, roles: ["broker"] },
  ...(opts.nodeIds ? { status: { nodeIds: opts.nodeIds, replicas: opts.nodeIds.length } } : {}),
});

const kafka = (autoRebalance: boolean): KubeObject => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind: "Kafka",
  metadata: { name: "orders", namespace: "kafka" },
  spec: {
    cruiseControl: autoRebalance
      ? { autoRebalance: [{ mode: "remove-brokers", template: { name: "orders-remove-brokers" } }] }
      : {},
  },
});

const rebalance = (brokers: number[], state: string, template = false): KubeObject => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind: "KafkaRebalance",
  metadata: {
    name: `rb-${brokers.join("-")}-${state}`,
    namespace: "kafka",
    labels: { "strimzi.io/cluster": "orders" },
    ...(template ? { annotations: { "strimzi.io/rebalance-template": "true" } } : {}),
  },
  spec: { mode: "remove-brokers", brokers },
  status: { conditions: [{ type: state, status: "True" }] },
});

const live = pool(5, { nodeIds: [3, 4, 5, 6, 7] });

describe("removedNodeIds", () => {
  it.each([
    ["the highest ids", live, pool(3), [6, 7]],
    [
      "the annotated ids first",
      live,
      pool(3, { annotations: { "strimzi.io/remove-node-ids": "[3,5]" } }),
      [3, 5],
    ],
    [
      "an annotated range",
      live,
      pool(2, { annotations: { "strimzi.io/remove-node-ids": "[4..6]" } }),
      [4, 5, 6],
    ],
    ["every id when the pool goes", live, undefined, [3, 4, 5, 6, 7]],
    ["nothing known without status.nodeIds", pool(5), pool(3), undefined],
  ])("%s", (_n, l, d, expected) => {
    expect(removedNodeIds(l, d)).toStrictEqual(expected);
  });
});

describe("scaleDownGate", () => {
  const ctx = { kafka: kafka(false), rebalances: [] as KubeObject[], allowScaleDown: false };
  it.each([
    ["Strimzi's auto-rebalance", { ...ctx, kafka: kafka(true) }, pool(3), true, true],
    [
      "a Ready remove-brokers rebalance covering the brokers",
      { ...ctx, rebalances: [rebalance([5, 6, 7], "Ready")] },
      pool(3),
      true,
      false,
    ],
    ["--allow-scale-down", { ...ctx, allowScaleDown: true }, pool(3), true, false],
    [
      "a rebalance still waiting for approval",
      { ...ctx, rebalances: [rebalance([6, 7], "ProposalReady")] },
      pool(3),
      false,
      false,
    ],
    [
      "a Ready rebalance for only some of the brokers",
      { ...ctx, rebalances: [rebalance([7], "Ready")] },
      pool(3),
      false,
      false,
    ],
    [
      "a Ready template (never executed itself)",
      { ...ctx, rebalances: [rebalance([6, 7], "Ready", true)] },
      pool(3),
      false,
      false,
    ],
    ["no rebalance at all", ctx, pool(3), false, false],
    ["a pool deletion, even with auto-rebalance", { ...ctx, kafka: kafka(true) }, undefined, false, false],
  ])("%s", (_n, c, desired, open, auto) => {
    const g = scaleDownGate(live, desired, c);
    expect([g.open, g.auto]).toStrictEqual([open, auto]);
  });

  it("says which brokers still hold partitions and how to move them", () => {
    const g = scaleDownGate(live, pool(3), { ...ctx, rebalances: [rebalance([6, 7], "ProposalReady")] });
    expect(g.message).toBe(
      "KafkaNodePool kafka/brokers shrinks from 5 to 3 brokers, but brokers 6, 7 may still hold partitions: their remove-brokers rebalance is not done (KafkaRebalance kafka/rb-6-7-ProposalReady is ProposalReady). Move them first: create a KafkaRebalance (labels strimzi.io/cluster: orders; spec: mode remove-brokers, brokers [6, 7]), approve it, and re-run once it is Ready — or turn on scaling.cruiseControl.autoRebalance; or, if you moved them yourself, re-run with --allow-scale-down",
    );
  });
  it("names the Ready rebalance that opened it", () => {
    const g = scaleDownGate(live, pool(3), { ...ctx, rebalances: [rebalance([5, 6, 7], "Ready")] });
    expect(g.message).toBe(
      "KafkaNodePool kafka/brokers shrinks from 5 to 3 brokers: KafkaRebalance kafka/rb-5-6-7-Ready (remove-brokers, brokers 5, 6, 7) is Ready, so the partitions of brokers 6, 7 have moved",
    );
  });
  it("without Cruise Control, says to turn it on", () => {
    const g = scaleDownGate(live, pool(3), { ...ctx, kafka: undefined });
    expect(g.message).toContain("turn on Cruise Control (scaling in the Cluster file)");
  });
  it("without node ids, says kiln cannot tell which brokers leave", () => {
    const g = scaleDownGate(pool(5), pool(3), { ...ctx, rebalances: [rebalance([3, 4], "Ready")] });
    expect(g.open).toBe(false);
    expect(g.message).toContain("the operator has not reported the pool's node ids (status.nodeIds)");
  });
});
