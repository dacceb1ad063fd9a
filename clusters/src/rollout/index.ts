export {
  KubeconfigError,
  type KubeconfigOptions,
  type LoadedKubeconfig,
  loadKubeconfig,
  mergeKubeconfigs,
} from "../kubeconfig.js";
export { type ApiResource, KubeClient, type WatchEvent } from "./client.js";
export { diffObject, type ObjectDiff, unifiedDiff } from "./diff.js";
export {
  ApplyError,
  KubeApiError,
  KubeUnreachableError,
  ManifestError,
  PreflightError,
  RolloutWaitError,
} from "./errors.js";
export { parseManifests, readManifests, type SourcedObject } from "./input.js";
export {
  applyRank,
  describe,
  FIELD_MANAGER,
  INVENTORY_LABEL,
  INVENTORY_SOURCE_ANNOTATION,
  isValidInventory,
  type KubeObject,
  MANAGED_BY_LABEL,
  objectKey,
  operatorProvidedSecrets,
  orderForApply,
  referencedSecrets,
  withInventory,
} from "./objects.js";
export { type Plan, type PlanOptions, PRUNE_KINDS, plan, type RolloutEvent } from "./plan.js";
export { type Condition, hasReadiness, type Readiness, readinessOf } from "./readiness.js";
export { REMOVE_NODE_IDS, type RiskyChange, riskyChanges } from "./risk.js";
export {
  diff,
  type RolloutOptions,
  type RolloutResult,
  rollout,
  waitBrokersLeft,
  waitReady,
} from "./rollout.js";
export {
  rebalanceState,
  removedNodeIds,
  type ScaleDownContext,
  type ScaleDownGate,
  scaleDownGate,
} from "./scale-down.js";
