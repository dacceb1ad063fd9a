import type { Ctx } from "./context.js";
import { BROKER_METRICS, CRUISE_CONTROL_DEFAULTS } from "./defaults.js";
import {
  autoRebalance,
  autoscalerTargets,
  brokerPools,
  byteRate,
  cruiseControlGoals,
  maxReplicasPerBroker,
  networkCapacity,
  REBALANCE_TEMPLATE,
} from "./scaling.js";

const mib = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 10) / 10} MiB/s`;

/** `SCALING-RUNBOOK.md`: the goals kiln chose and why, capacities, rebalancing and autoscaling. */
export function renderScalingRunbook(ctx: Ctx): string | undefined {
  const s = ctx.cluster.scaling;
  if (!s) return undefined;
  const ns = ctx.namespace;
  const name = ctx.name;
  const { hard, soft, rack } = cruiseControlGoals(ctx);
  const zones = ctx.cluster.placement?.zones ?? [];
  const rf = Number(
    ctx.cluster.kafka.config?.["default.replication.factor"] ?? ctx.cluster.kafka.replicationFactor ?? 3,
  );
  const net = networkCapacity(ctx);
  const lines: string[] = [
    `# Scaling runbook: ${name}`,
    "",
    `Cruise Control runs beside ${name} (namespace \`${ns}\`) and keeps partitions balanced; ${autoRebalance(ctx) ? "Strimzi rebalances on its own when brokers are added or removed" : "rebalances run when you create KafkaRebalance resources"}${s.autoscaling?.length ? `; ${s.autoscaling.map((a) => `\`${a.pool}\``).join(", ")} ${s.autoscaling.length === 1 ? "is" : "are"} autoscaled` : ""}.`,
    "",
    "## Goals",
    "",
    rack === "RackAwareGoal"
      ? `- **RackAwareGoal** (hard): ${zones.length} zones for replication factor ${rf}, so every replica of a partition sits in a different zone and losing a zone loses at most one replica of each partition.`
      : rack === "RackAwareDistributionGoal"
        ? `- **RackAwareDistributionGoal** (hard): ${zones.length} zones for replication factor ${rf} — fewer zones than replicas, so replicas are spread over the zones as evenly as possible (no zone holds two replicas of a partition while another holds none).`
        : "- No rack goal: the cluster declares no zones (`placement.zones`), so brokers carry no rack.",
    `- Capacity goals (hard): ${hard
      .filter((g) => g !== rack)
      .map((g) => `**${g}**`)
      .join(
        ", ",
      )}. A proposal that would put a broker over its replica, disk, network or CPU capacity is refused rather than executed.`,
    `- Distribution goals (soft, in priority order): ${soft.join(", ")}.`,
    "- The anomaly detector checks the hard goals plus replica and disk distribution and publishes the balancedness score (`kafka_cruisecontrol_anomalydetector_balancedness_score`); self-healing stays off (Strimzi does not allow it), so an unbalanced cluster raises KafkaClusterUnbalanced instead of moving data on its own.",
    "",
    "## Capacity per broker",
    "",
    "| pool | CPU (Strimzi reads it from the pool's resources) | disk (from the pool's storage) |",
    "| --- | --- | --- |",
  ];
  for (const p of brokerPools(ctx)) {
    const cpu = p.resources?.requests?.cpu ?? p.resources?.limits?.cpu;
    const storage = p.storage;
    const disk =
      !storage || storage.type === "jbod"
        ? (storage?.volumes ?? [{ size: "100Gi" }]).map((v) => v.size).join(" + ")
        : storage.type === "persistent-claim"
          ? (storage.size ?? "?")
          : "ephemeral (no declared size: DiskCapacityGoal cannot protect it)";
    lines.push(`| ${p.name} | ${cpu ?? "1 core (no CPU request or limit: Strimzi's default)"} | ${disk} |`);
  }
  const declared = s.cruiseControl?.maxReplicasPerBroker;
  lines.push(
    "",
    `Network: ${net.inbound} in, ${net.outbound} out per broker (\`scaling.cruiseControl.networkCapacity\`). Replicas: at most ${maxReplicasPerBroker(ctx)} per broker${declared ? " (declared)" : ` (${CRUISE_CONTROL_DEFAULTS.replicasPerGib} per GiB of the smallest broker pool's memory, between ${CRUISE_CONTROL_DEFAULTS.maxReplicasPerBrokerFloor} and ${CRUISE_CONTROL_DEFAULTS.maxReplicasPerBrokerCeiling})`}.`,
    "",
    "## Rebalancing when brokers come and go",
    "",
  );
  if (autoRebalance(ctx))
    lines.push(
      `- **Adding brokers**: once new brokers are up, Strimzi runs an \`add-brokers\` rebalance from the template KafkaRebalance \`${REBALANCE_TEMPLATE(name, "add-brokers")}\`, moving partitions onto them.`,
      `- **Removing brokers**: when a broker pool shrinks, Strimzi first runs a \`remove-brokers\` rebalance from \`${REBALANCE_TEMPLATE(name, "remove-brokers")}\` for the brokers that leave (the highest node ids, or those in the pool's \`strimzi.io/remove-node-ids\` annotation), and removes them only after their partitions have moved. Progress: \`kubectl get kafka ${name} -n ${ns} -o jsonpath='{.status.autoRebalance}'\`.`,
    );
  else
    lines.push(
      "- Auto-rebalancing is off (`scaling.cruiseControl.autoRebalance: false`). After adding brokers, create a KafkaRebalance with `mode: add-brokers` and their node ids.",
      "- Before removing brokers, move their partitions off them:",
      "",
      "  ```yaml",
      "  apiVersion: kafka.strimzi.io/v1",
      "  kind: KafkaRebalance",
      "  metadata:",
      `    name: ${name}-remove-brokers`,
      `    namespace: ${ns}`,
      `    labels: { strimzi.io/cluster: ${name} }`,
      '    annotations: { strimzi.io/rebalance-auto-approval: "true" }',
      "  spec:",
      "    mode: remove-brokers",
      "    brokers: [<the node ids that leave>]",
      "  ```",
      "",
      "  `kiln rollout` shrinks the pool only once a `remove-brokers` rebalance covering those brokers is `Ready`.",
    );
  lines.push(
    "- `kiln rollout` lets a broker pool grow freely and shrinks one only through the `remove-brokers` rebalance; otherwise it refuses and says which brokers still need to be emptied. It applies a shrink last, after everything else is ready.",
    "",
  );
  const autoscaled = s.autoscaling ?? [];
  if (autoscaled.length > 0) {
    lines.push("## Autoscaling", "");
    for (const a of autoscaled) {
      const t = autoscalerTargets(ctx, a);
      lines.push(
        `- **${a.pool}**: ${t.minReplicas}–${t.maxReplicas} brokers, HorizontalPodAutoscaler \`${name}-${a.pool}\` on the KafkaNodePool's scale subresource. It adds brokers when the pool's average request handler load passes ${Math.round(t.busy * 100)}% (\`${BROKER_METRICS.busy}\`), a broker receives more than ${mib(t.bytesIn)} (\`${BROKER_METRICS.bytesIn}\`, ${a.bytesInPerBroker ? "declared" : `${CRUISE_CONTROL_DEFAULTS.bytesInShareOfCapacity * 100}% of the ${mib(byteRate(net.inbound))} network capacity`}) or the volumes are more than ${Math.round(t.disk * 100)}% full (\`${BROKER_METRICS.disk}\`).`,
      );
    }
    const b = CRUISE_CONTROL_DEFAULTS.behavior;
    const step = ctx.zoneKey && zones.length > 1 ? `${zones.length} brokers (one per zone)` : "one broker";
    lines.push(
      "",
      `Every step moves data, so the autoscalers are slow on purpose: up by at most ${step} every ${b.scaleUpPeriodSeconds / 60} minutes after ${b.scaleUpWindowSeconds / 60} minutes of load; down by one broker every ${b.scaleDownPeriodSeconds / 60} minutes, only after ${b.scaleDownWindowSeconds / 60} minutes below every target. A scale-down waits for its remove-brokers rebalance. Controllers are never autoscaled: the KRaft quorum keeps its size.`,
      "",
      "### The metrics adapter",
      "",
      "The autoscalers read per-pod custom metrics (`custom.metrics.k8s.io`) that [prometheus-adapter](https://github.com/kubernetes-sigs/prometheus-adapter) serves from the Prometheus that scrapes this cluster (the rendered PodMonitor) and the kubelet (`kubelet_volume_stats_*`, scraped by kube-prometheus-stack by default):",
      "",
      "1. Install prometheus-adapter against that Prometheus.",
      "2. Merge `monitoring/prometheus-adapter-rules.yaml` into its rules (the same rules serve every kiln cluster: the adapter restricts each query to the autoscaled pool's pods).",
      `3. Check: \`kubectl get --raw "/apis/custom.metrics.k8s.io/v1beta1/namespaces/${ns}/pods/*/${BROKER_METRICS.busy}"\` lists the broker pods, and \`kubectl describe hpa ${name}-${autoscaled[0]?.pool} -n ${ns}\` shows current values for all three metrics.`,
      "",
      "Without the adapter the autoscalers report `FailedGetPodsMetric` and keep the current size.",
      "",
    );
  }
  return `${lines.join("\n")}`;
}
