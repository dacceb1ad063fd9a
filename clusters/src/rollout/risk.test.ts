import { describe, expect, it } from "vitest";
import type { KubeObject } from "./objects.js";
import { riskyChanges } from "./risk.js";

const pool = (replicas: number, roles: string[], annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind: "KafkaNodePool",
  metadata: { name: "p", namespace: "ns", ...(annotations ? { annotations } : {}) },
  spec: { replicas, roles },
});

describe("riskyChanges", () => {
  it.each([
    ["scale-up", pool(3, ["broker"]), pool(5, ["broker"]), []],
    ["unchanged", pool(3, ["broker"]), pool(3, ["broker"]), []],
    ["new pool", undefined, pool(3, ["broker"]), []],
    ["broker scale-down", pool(5, ["broker"]), pool(3, ["broker"]), [["broker-scale-down", true]]],
    ["controller-only scale-down", pool(5, ["controller"]), pool(3, ["controller"]), []],
    ["pool removed", pool(3, ["broker"]), undefined, [["broker-pool-removal", true]]],
    [
      "controller role dropped",
      pool(3, ["controller", "broker"]),
      pool(3, ["broker"]),
      [["controller-change", false]],
    ],
    [
      "remove-node-ids set with a scale-down",
      pool(5, ["broker"]),
      pool(3, ["broker"], { "strimzi.io/remove-node-ids": "[3,4]" }),
      [
        ["remove-node-ids", false],
        ["broker-scale-down", true],
      ],
    ],
  ] as const)("%s", (_, live, desired, expected) => {
    expect(riskyChanges(live, desired).map((r) => [r.kind, r.gated])).toEqual(expected);
  });

  it("says which nodes Strimzi removes without remove-node-ids", () => {
    const [r] = riskyChanges(pool(5, ["broker"]), pool(3, ["broker"]));
    expect(r?.message).toBe(
      "KafkaNodePool ns/p scales brokers down from 5 to 3; partitions on the removed nodes must be reassigned first (without strimzi.io/remove-node-ids, Strimzi removes the highest node IDs)",
    );
  });
});
