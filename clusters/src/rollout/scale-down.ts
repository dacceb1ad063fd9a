// When a broker pool may shrink: only once the partitions of the brokers that leave have moved
// — Strimzi's auto-rebalance on remove-brokers does it before it removes them, a Ready
// KafkaRebalance in mode remove-brokers has done it, or the user says they moved them by hand
// (--allow-scale-down; Strimzi's own check still refuses brokers that hold replicas). Pure.
import { describe, type KubeObject } from "./objects.js";
import { REMOVE_NODE_IDS } from "./risk.js";

export const CLUSTER_LABEL = "strimzi.io/cluster";
const TEMPLATE_ANNOTATION = "strimzi.io/rebalance-template";

/** The node ids a pool change removes: those in `strimzi.io/remove-node-ids`, else the highest ones. */
export function removedNodeIds(live: KubeObject, desired: KubeObject | undefined): number[] | undefined {
  const ids = Array.isArray(live.status?.nodeIds) ? (live.status.nodeIds as number[]) : undefined;
  if (!ids) return undefined;
  const sorted = [...ids].sort((a, b) => a - b);
  if (!desired) return sorted;
  const leaving = Math.max(0, sorted.length - Number(desired.spec?.replicas ?? 0));
  const named = parseIds(desired.metadata.annotations?.[REMOVE_NODE_IDS]).filter((id) => sorted.includes(id));
  const fromTop = sorted.filter((id) => !named.includes(id)).reverse();
  return [...named, ...fromTop].slice(0, leaving).sort((a, b) => a - b);
}

/** `[3,4]` or `[3..5]`, as the annotation takes them. */
function parseIds(text: string | undefined): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.replace(/[[\]\s]/g, "").split(",")) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part);
    if (range) for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(i);
    else if (/^\d+$/.test(part)) out.push(Number(part));
  }
  return out;
}

/** The state a KafkaRebalance reports: the type of its condition whose status is True. */
export function rebalanceState(r: KubeObject): string {
  const conditions = Array.isArray(r.status?.conditions)
    ? (r.status.conditions as { type: string; status: string }[])
    : [];
  return conditions.find((c) => c.status === "True")?.type ?? "New";
}

export interface ScaleDownContext {
  /** The rendered Kafka of the pool's cluster (spec.cruiseControl.autoRebalance decides). */
  kafka: KubeObject | undefined;
  /** Live KafkaRebalances of the pool's cluster. */
  rebalances: KubeObject[];
  allowScaleDown: boolean;
}

export interface ScaleDownGate {
  open: boolean;
  /** Why it is open, or what to do to open it. */
  message: string;
  /** The brokers that leave, when the operator reported the pool's node ids. */
  brokers?: number[];
  /** Strimzi runs the rebalance itself: the rollout then waits for the brokers to leave. */
  auto: boolean;
}

const list = (ids: number[]) => ids.join(", ");

/** Whether shrinking (or removing) a broker pool may go ahead now, and why. */
export function scaleDownGate(
  live: KubeObject,
  desired: KubeObject | undefined,
  ctx: ScaleDownContext,
): ScaleDownGate {
  const from = Number(live.spec?.replicas ?? 0);
  const to = desired ? Number(desired.spec?.replicas ?? 0) : 0;
  const what = desired
    ? `${describe(live)} shrinks from ${from} to ${to} brokers`
    : `${describe(live)} (${from} brokers) would be deleted`;
  const brokers = removedNodeIds(live, desired);
  const who = brokers ? `broker${brokers.length === 1 ? "" : "s"} ${list(brokers)}` : "the leaving brokers";
  const modes = ((
    ctx.kafka?.spec?.cruiseControl as { autoRebalance?: { mode: string; template?: { name: string } }[] }
  )?.autoRebalance ?? []) as { mode: string; template?: { name: string } }[];
  const auto = modes.find((m) => m.mode === "remove-brokers");
  if (auto && desired)
    return {
      open: true,
      auto: true,
      ...(brokers ? { brokers } : {}),
      message: `${what}: Strimzi moves the partitions of ${who} off with a remove-brokers rebalance${auto.template ? ` (template ${auto.template.name})` : ""} before it removes them`,
    };
  const covering = brokers
    ? ctx.rebalances.filter(
        (r) =>
          r.metadata.annotations?.[TEMPLATE_ANNOTATION] !== "true" &&
          r.spec?.mode === "remove-brokers" &&
          brokers.every((id) => ((r.spec?.brokers as number[] | undefined) ?? []).includes(id)),
      )
    : [];
  const done = covering.find((r) => rebalanceState(r) === "Ready");
  if (done && brokers)
    return {
      open: true,
      auto: false,
      brokers,
      message: `${what}: ${describe(done)} (remove-brokers, brokers ${list((done.spec?.brokers as number[]) ?? [])}) is Ready, so the partitions of ${who} have moved`,
    };
  if (ctx.allowScaleDown)
    return {
      open: true,
      auto: false,
      ...(brokers ? { brokers } : {}),
      message: `${what}: --allow-scale-down says the partitions of ${who} were moved by hand (Strimzi still refuses to remove brokers that hold replicas)`,
    };
  const pending = covering.map((r) => `${describe(r)} is ${rebalanceState(r)}`);
  const why = !brokers
    ? "the operator has not reported the pool's node ids (status.nodeIds), so kiln cannot tell which brokers leave"
    : pending.length > 0
      ? `their remove-brokers rebalance is not done (${pending.join("; ")})`
      : "no remove-brokers rebalance has moved their partitions";
  const cluster = live.metadata.labels?.[CLUSTER_LABEL] ?? "<cluster>";
  const how = ctx.kafka?.spec?.cruiseControl
    ? `create a KafkaRebalance (labels ${CLUSTER_LABEL}: ${cluster}; spec: mode remove-brokers, brokers [${brokers ? list(brokers) : "…"}]), approve it, and re-run once it is Ready — or turn on scaling.cruiseControl.autoRebalance`
    : "turn on Cruise Control (scaling in the Cluster file) so a remove-brokers rebalance can move them";
  return {
    open: false,
    auto: false,
    ...(brokers ? { brokers } : {}),
    message: `${what}, but ${who} may still hold partitions: ${why}. Move them first: ${how}; or, if you moved them yourself, re-run with --allow-scale-down`,
  };
}
