import { describe, expect, it } from "vitest";
import { checkCluster } from "../check.js";
import { loadCluster } from "../testing/examples.js";
import type { HorizontalPodAutoscaler } from "../wire/k8s.js";
import type { Kafka, KafkaRebalance } from "../wire/strimzi.js";
import { renderCluster } from "./index.js";
import { byteRate, quantity } from "./scaling.js";

const BASE = `apiVersion: kiln.dev/v1
kind: Cluster
name: prod
namespace: kafka
kafka: { version: 4.3.1 }
`;
const POOLS = `nodePools:
  - { name: controllers, roles: [controller], replicas: 3 }
  - name: brokers
    roles: [broker]
    replicas: 3
    resources: { requests: { cpu: "2", memory: 8Gi }, limits: { memory: 8Gi } }
`;

function render(extra: string) {
  const { cluster } = loadCluster(BASE + extra, "prod.yaml");
  const objects = renderCluster(cluster).items.map((i) => i.object);
  const kafka = objects.find((o): o is Kafka => o.kind === "Kafka") as Kafka;
  return {
    cc: kafka.spec.cruiseControl,
    rebalances: objects.filter((o): o is KafkaRebalance => o.kind === "KafkaRebalance"),
    hpas: objects.filter((o): o is HorizontalPodAutoscaler => o.kind === "HorizontalPodAutoscaler"),
    documents: renderCluster(cluster).documents,
  };
}

const goal = (g: string) => `com.linkedin.kafka.cruisecontrol.analyzer.goals.${g}`;

describe("Cruise Control", () => {
  it("is absent without scaling", () => {
    const r = render(POOLS);
    expect(r.cc).toBeUndefined();
    expect(r.rebalances).toStrictEqual([]);
    expect(r.documents["SCALING-RUNBOOK.md"]).toBeUndefined();
  });

  it.each([
    ["no zones: no rack goal", "", undefined],
    [
      "three zones for three replicas: each replica in its own zone",
      "placement: { zones: [a, b, c] }\n",
      "RackAwareGoal",
    ],
    [
      "two zones for three replicas: as even as the zones allow",
      "placement: { zones: [a, b] }\n",
      "RackAwareDistributionGoal",
    ],
  ])("%s", (_name, placement, rack) => {
    const { cc, documents } = render(`${POOLS}${placement}scaling: {}\n`);
    const hard = String(cc?.config?.["hard.goals"]).split(",");
    expect(hard[0]).toBe(goal(rack ?? "ReplicaCapacityGoal"));
    expect(hard.filter((g) => g.includes("RackAware"))).toHaveLength(rack ? 1 : 0);
    // goals ⊇ default.goals ⊇ hard.goals, as Cruise Control requires.
    const all = String(cc?.config?.goals).split(",");
    const defaults = String(cc?.config?.["default.goals"]).split(",");
    expect(defaults.every((g) => all.includes(g))).toBe(true);
    expect(hard.every((g) => defaults.includes(g))).toBe(true);
    expect(documents["SCALING-RUNBOOK.md"]).toContain(rack ? `**${rack}** (hard)` : "No rack goal");
  });

  it.each([
    ["8 GiB brokers", "8Gi", "scaling: {}", 8000],
    ["a floor for small brokers", "512Mi", "scaling: {}", 1000],
    ["Cruise Control's ceiling", "64Gi", "scaling: {}", 10000],
    ["a declared limit wins", "8Gi", "scaling: { cruiseControl: { maxReplicasPerBroker: 1234 } }", 1234],
  ])("replica capacity: %s", (_name, memory, scaling, expected) => {
    const r = render(`${POOLS.replaceAll("8Gi", memory)}${scaling}\n`);
    expect(r.cc?.config?.["max.replicas.per.broker"]).toBe(expected);
  });

  it("renders network capacity, the metrics exporter and both auto-rebalance templates", () => {
    const r = render(
      `${POOLS}scaling:\n  cruiseControl: { networkCapacity: { inbound: 1GiB/s }, replicationThrottle: 10MiB/s, concurrentPartitionMovementsPerBroker: 2 }\n`,
    );
    expect(r.cc?.brokerCapacity).toStrictEqual({ inboundNetwork: "1GiB/s", outboundNetwork: "125MiB/s" });
    expect(r.cc?.metricsConfig?.valueFrom.configMapKeyRef.name).toBe("prod-cruise-control-metrics");
    expect(r.cc?.autoRebalance).toStrictEqual([
      { mode: "add-brokers", template: { name: "prod-add-brokers" } },
      { mode: "remove-brokers", template: { name: "prod-remove-brokers" } },
    ]);
    expect(r.rebalances.map((x) => [x.metadata.name, x.metadata.annotations, x.spec])).toStrictEqual([
      [
        "prod-add-brokers",
        { "strimzi.io/rebalance-template": "true" },
        { concurrentPartitionMovementsPerBroker: 2, replicationThrottle: 10 * 2 ** 20 },
      ],
      [
        "prod-remove-brokers",
        { "strimzi.io/rebalance-template": "true" },
        { concurrentPartitionMovementsPerBroker: 2, replicationThrottle: 10 * 2 ** 20 },
      ],
    ]);
  });

  it("without auto-rebalance renders no templates and says how to rebalance by hand", () => {
    const r = render(`${POOLS}scaling:\n  cruiseControl: { autoRebalance: false }\n`);
    expect(r.cc?.autoRebalance).toBeUndefined();
    expect(r.rebalances).toStrictEqual([]);
    expect(r.documents["SCALING-RUNBOOK.md"]).toContain("mode: remove-brokers");
  });
});

describe("broker autoscalers", () => {
  it("target the pool's scale subresource on per-broker metrics, scale up one broker per zone and down slowly", () => {
    const r = render(
      `${POOLS}placement: { zones: [a, b, c] }\nscaling:\n  autoscaling:\n    - { pool: brokers, maxReplicas: 9, requestHandlerBusyPercent: 60 }\n`,
    );
    expect(r.hpas).toHaveLength(1);
    const hpa = r.hpas[0] as HorizontalPodAutoscaler;
    expect(hpa.spec.scaleTargetRef).toStrictEqual({
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaNodePool",
      name: "brokers",
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toStrictEqual([3, 9]);
    expect(hpa.spec.metrics).toStrictEqual([
      {
        type: "Pods",
        pods: {
          metric: { name: "kafka_broker_request_handler_busy_ratio" },
          target: { type: "AverageValue", averageValue: "600m" },
        },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "kafka_broker_bytes_in_per_second" },
          target: { type: "AverageValue", averageValue: String(Math.floor(125 * 2 ** 20 * 0.7)) },
        },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "kafka_broker_disk_used_ratio" },
          target: { type: "AverageValue", averageValue: "700m" },
        },
      },
    ]);
    expect(hpa.spec.behavior?.scaleUp?.policies).toStrictEqual([
      { type: "Pods", value: 3, periodSeconds: 900 },
    ]);
    expect(hpa.spec.behavior?.scaleDown).toMatchObject({
      stabilizationWindowSeconds: 3600,
      selectPolicy: "Min",
      policies: [{ type: "Pods", value: 1, periodSeconds: 1800 }],
    });
    expect(r.documents["monitoring/prometheus-adapter-rules.yaml"]).toContain(
      "as: kafka_broker_request_handler_busy_ratio",
    );
  });
});

describe("scaling checks", () => {
  const errors = (extra: string) => {
    const { cluster, source } = loadCluster(BASE + extra, "prod.yaml");
    return checkCluster(cluster, source).map(
      (d) => `${d.severity} ${d.code} ${d.location.path}: ${d.message}`,
    );
  };
  it("accepts a broker pool autoscaled within range", () => {
    expect(errors(`${POOLS}scaling:\n  autoscaling: [{ pool: brokers, maxReplicas: 6 }]\n`)).toStrictEqual(
      [],
    );
  });
  it.each([
    [
      "a controller pool",
      `nodePools:\n  - { name: dual, roles: [controller, broker], replicas: 3 }\nscaling:\n  autoscaling: [{ pool: dual, maxReplicas: 6 }]\n`,
      "error cluster-autoscaling-controllers scaling.autoscaling[0].pool: node pool dual has the controller role: controllers are never autoscaled (the KRaft quorum keeps its size); give the brokers a pool of their own",
    ],
    [
      "an undeclared pool",
      `${POOLS}scaling:\n  autoscaling: [{ pool: nope, maxReplicas: 6 }]\n`,
      "error cluster-autoscaling-pool scaling.autoscaling[0].pool: node pool nope is not declared",
    ],
    [
      "max below min",
      `${POOLS}scaling:\n  autoscaling: [{ pool: brokers, minReplicas: 3, maxReplicas: 2 }]\n`,
      "error cluster-autoscaling-range scaling.autoscaling[0].maxReplicas: maxReplicas 2 is below minReplicas 3",
    ],
    [
      "a minimum below the replication factor",
      `${POOLS}scaling:\n  autoscaling: [{ pool: brokers, minReplicas: 2, maxReplicas: 6 }]\n`,
      "error cluster-autoscaling-below-replication-factor scaling.autoscaling: at their minReplicas the node pools hold 2 brokers, fewer than the replication factor 3",
    ],
    [
      "no monitoring to read metrics from",
      `${POOLS}monitoring: { enabled: false }\nscaling:\n  autoscaling: [{ pool: brokers, maxReplicas: 6 }]\n`,
      "error cluster-autoscaling-without-monitoring scaling.autoscaling: broker autoscalers read the metrics the rendered monitoring exports; turn monitoring on (monitoring.enabled)",
    ],
    [
      "autoscaling without auto-rebalance",
      `${POOLS}scaling:\n  cruiseControl: { autoRebalance: false }\n  autoscaling: [{ pool: brokers, maxReplicas: 6 }]\n`,
      "error cluster-autoscaling-without-auto-rebalance scaling.cruiseControl.autoRebalance: an autoscaler shrinks broker pools on its own, and only Strimzi's remove-brokers auto-rebalance moves the partitions off the leaving brokers first; keep autoRebalance on with autoscaling",
    ],
    [
      "one broker",
      `kafka: { version: 4.3.1, replicationFactor: 1, minInsyncReplicas: 1 }\nnodePools:\n  - { name: c, roles: [controller], replicas: 3 }\n  - { name: b, roles: [broker], replicas: 1 }\nscaling: {}\n`,
      "error cluster-cruise-control-brokers scaling: Cruise Control needs at least two brokers to move partitions between; the node pools have 1",
    ],
  ])("refuses %s", (_name, extra, expected) => {
    const text = extra.startsWith("kafka:")
      ? BASE.replace("kafka: { version: 4.3.1 }\n", "") + extra
      : BASE + extra;
    const { cluster, source } = loadCluster(text, "prod.yaml");
    const found = checkCluster(cluster, source).map(
      (d) => `${d.severity} ${d.code} ${d.location.path}: ${d.message}`,
    );
    expect(found).toContain(expected);
  });
  it("warns when the autoscaling range leaves zones uneven", () => {
    expect(
      errors(
        `${POOLS}placement: { zones: [a, b, c] }\nscaling:\n  autoscaling: [{ pool: brokers, maxReplicas: 8 }]\n`,
      ),
    ).toStrictEqual([
      "warning cluster-autoscaling-zones scaling.autoscaling[0].maxReplicas: 3–8 brokers over 3 zones: at some sizes the zones carry unequal numbers of brokers (the autoscaler adds 3 at a time, one per zone)",
    ]);
  });
});

describe("units", () => {
  it.each([
    ["125MiB/s", 125 * 2 ** 20],
    ["100MB/s", 100e6],
    ["50000KiB/s", 50000 * 1024],
    ["10B/s", 10],
  ])("byteRate(%s)", (rate, bytes) => expect(byteRate(rate)).toBe(bytes));
  it.each([
    ["8Gi", 8 * 2 ** 30],
    ["500m", 0.5],
    ["2", 2],
    ["1.5G", 1.5e9],
  ])("quantity(%s)", (q, n) => expect(quantity(q)).toBeCloseTo(n));
});
