import { groupOf, type KubeObject, STRIMZI_GROUP } from "./objects.js";

/**
 * Kinds whose readiness kiln waits for: Strimzi resources that report a
 * `Ready` condition. KafkaNodePool has none of its own; its Kafka's `Ready`
 * covers it. ConfigMaps and monitoring objects are ready once stored.
 */
const WAITED = new Set([
  "Kafka",
  "KafkaConnect",
  "KafkaMirrorMaker2",
  "KafkaUser",
  "KafkaTopic",
  "KafkaConnector",
  "KafkaBridge",
]);

export function hasReadiness(o: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  return groupOf(o.apiVersion) === STRIMZI_GROUP && WAITED.has(o.kind);
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export type Readiness =
  | { state: "ready"; warnings: Condition[] }
  | { state: "pending"; detail: string; warnings: Condition[] }
  | { state: "not-ready"; condition: Condition; warnings: Condition[] };

/**
 * Where one Strimzi resource stands, from its status alone: ready only when
 * the operator has observed the current generation and reports `Ready=True`;
 * `NotReady` (or `Ready=False`) carries the operator's reason and message.
 */
export function readinessOf(o: KubeObject): Readiness {
  const conditions: Condition[] = Array.isArray(o.status?.conditions)
    ? (o.status.conditions as Condition[])
    : [];
  const warnings = conditions.filter((c) => c.type === "Warning" && c.status === "True");
  const generation = o.metadata.generation;
  const observed = o.status?.observedGeneration as number | undefined;
  if (generation !== undefined && (observed === undefined || observed < generation)) {
    return {
      state: "pending",
      detail:
        observed === undefined
          ? `the operator has not reconciled it yet (generation ${generation})`
          : `the operator has observed generation ${observed}, not ${generation} yet`,
      warnings,
    };
  }
  // `strimzi.io/pause-reconciliation`: the operator leaves it alone on purpose; waiting would never end.
  const paused = conditions.find((c) => c.type === "ReconciliationPaused" && c.status === "True");
  if (paused) return { state: "ready", warnings: [...warnings, paused] };
  const ready = conditions.find((c) => c.type === "Ready");
  if (ready?.status === "True") return { state: "ready", warnings };
  const notReady = conditions.find((c) => c.type === "NotReady" && c.status === "True");
  if (notReady) return { state: "not-ready", condition: notReady, warnings };
  if (ready) return { state: "not-ready", condition: ready, warnings };
  return { state: "pending", detail: "no Ready condition yet", warnings };
}
