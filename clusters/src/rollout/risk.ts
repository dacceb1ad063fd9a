import { describe, groupOf, type KubeObject, STRIMZI_GROUP } from "./objects.js";

export const REMOVE_NODE_IDS = "strimzi.io/remove-node-ids";

export interface RiskyChange {
  object: string;
  kind: "broker-scale-down" | "broker-pool-removal" | "remove-node-ids" | "controller-change";
  message: string;
  /** A broker scale-down: held back to the end of the rollout and done only through its gate (scale-down.ts). */
  gated: boolean;
}

export function isPool(o: KubeObject | undefined): o is KubeObject {
  return o !== undefined && o.kind === "KafkaNodePool" && groupOf(o.apiVersion) === STRIMZI_GROUP;
}

const roles = (o: KubeObject): string[] => (Array.isArray(o.spec?.roles) ? (o.spec.roles as string[]) : []);

/**
 * Changes that can lose data or quorum if done at the wrong moment, from the
 * live and desired versions of one object (desired undefined: it is pruned).
 * Brokers leave only after their partitions were moved (a Cruise Control
 * `remove-brokers` rebalance; Strimzi's own check refuses to remove brokers
 * that still hold replicas), so scale-downs are gated and go last.
 */
export function riskyChanges(live: KubeObject | undefined, desired: KubeObject | undefined): RiskyChange[] {
  const out: RiskyChange[] = [];
  if (desired && isPool(desired)) {
    const ids = desired.metadata.annotations?.[REMOVE_NODE_IDS];
    if (ids && ids !== live?.metadata.annotations?.[REMOVE_NODE_IDS])
      out.push({
        object: describe(desired),
        kind: "remove-node-ids",
        message: `${describe(desired)} sets ${REMOVE_NODE_IDS}=${ids}: Strimzi removes exactly these nodes on scale-down and refuses while they still hold partition replicas; reassign them first (KafkaRebalance mode remove-brokers)`,
        gated: false,
      });
  }
  if (!isPool(live)) return out;
  const liveReplicas = Number(live.spec?.replicas ?? 0);
  const liveRoles = roles(live);
  if (desired === undefined) {
    if (liveRoles.includes("broker") || liveRoles.includes("controller"))
      out.push({
        object: describe(live),
        kind: "broker-pool-removal",
        message: `${describe(live)} (${liveReplicas} ${liveRoles.join("+")} nodes) would be deleted; its nodes' partitions must be reassigned first`,
        gated: true,
      });
    return out;
  }
  if (!isPool(desired)) return out;
  const desiredReplicas = Number(desired.spec?.replicas ?? 0);
  if (desiredReplicas < liveReplicas && liveRoles.includes("broker"))
    out.push({
      object: describe(desired),
      kind: "broker-scale-down",
      message: `${describe(desired)} scales brokers down from ${liveReplicas} to ${desiredReplicas}; partitions on the removed nodes must be reassigned first${desired.metadata.annotations?.[REMOVE_NODE_IDS] ? "" : ` (without ${REMOVE_NODE_IDS}, Strimzi removes the highest node IDs)`}`,
      gated: true,
    });
  const desiredRoles = roles(desired);
  if (liveRoles.includes("controller") !== desiredRoles.includes("controller"))
    out.push({
      object: describe(desired),
      kind: "controller-change",
      message: `${describe(desired)} changes its controller role (${liveRoles.join("+")} → ${desiredRoles.join("+")}): the KRaft quorum changes membership`,
      gated: false,
    });
  return out;
}
