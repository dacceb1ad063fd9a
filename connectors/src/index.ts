export {
  ApplyError,
  type ApplyEvent,
  type ApplyOptions,
  type ApplyResult,
  applyPlan,
  DEFAULT_CONCURRENCY,
  describeStatus,
  reached,
  WaitError,
  type WaitOptions,
  waitForStates,
} from "./applier.js";
export {
  type ClusterChecks,
  checkCluster,
  checkPlugins,
  inventoryWorkers,
  passwordKeysOf,
  supportsPluginVersion,
  type WorkerInventory,
} from "./checks.js";
export {
  backoffDelay,
  type ConnectAuth,
  ConnectClient,
  type ConnectClientOptions,
  ConnectProtocolError,
  type ConnectTls,
  DEFAULT_RETRY,
  type RequestEvent,
  type RequestStats,
  type RetryPolicy,
} from "./client.js";
export {
  type ConfigDiffEntry,
  ConnectorDefinitionError,
  type DesiredConnector,
  type DesiredState,
  diffConfig,
  normalizeValue,
  resolveConnector,
  toConnectString,
} from "./desired.js";
export {
  ConnectAlreadyExistsError,
  ConnectAuthError,
  ConnectConflictError,
  ConnectError,
  ConnectNotFoundError,
  ConnectRequestError,
  ConnectTimeoutError,
  ConnectTlsError,
  ConnectUnreachableError,
  classifyResponse,
} from "./errors.js";
export {
  clientOptionsFor,
  type DeploymentFiles,
  declaredEnvironments,
  type LoadedConnectorFile,
  type LoadedTarget,
  loadDeploymentFiles,
  ownershipOf,
  TargetConfigError,
} from "./files.js";
export { changeJson, formatPlan, hasPending, type PlanSummary, summarize } from "./format-plan.js";
export {
  type AutoRestartOptions,
  type AutoRestartResult,
  autoRestart,
  backupFileName,
  changeOffsets,
  clusterStatus,
  isFailed,
  type OffsetsBackup,
  OffsetsError,
  type OffsetsOperation,
  restartConnector,
  type StatusRow,
  waitForConnectorState,
} from "./operations.js";
export {
  type ClusterPlan,
  type DeploymentPlan,
  type PlanDeploymentOptions,
  PlanError,
  passwordKeysLookup,
  planDeployment,
  readLive,
} from "./plan-deployment.js";
export {
  type Change,
  type ChangeKind,
  driftOf,
  globMatch,
  type LiveConnector,
  liveFromExpanded,
  needsStateChange,
  type Ownership,
  type OwnershipMode,
  type Plan,
  pendingChanges,
  planCluster,
  targetState,
} from "./planner.js";
export {
  connectorFileSecrets,
  describeFinding,
  findLiteralSecrets,
  isPlaceholderOnly,
  looksLikeSecretKey,
  REDACTED,
  redactConfig,
  redactValue,
  type SecretFinding,
} from "./secrets.js";
export type * from "./types.js";
export { offsets as offsetsShape } from "./wire.js";
