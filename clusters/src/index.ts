export { type CheckOptions, checkCluster } from "./check.js";
export { checkClusterPairs } from "./check-pairs.js";
export {
  type ClusterConnection,
  type ConnectorConfig,
  type MirrorConnectorDocument,
  type MirrorConnectorSet,
  mirrorConnectorConfigs,
  mirrorConnectorDocuments,
  type TranslateOptions,
} from "./mirrormaker/connector-configs.js";
export {
  type ConnectivityMatrix,
  type FlowResult,
  problems as connectivityProblems,
} from "./network/model.js";
export { canonical, toFiles, toYaml } from "./output.js";
export type { KafkaConnectorInput } from "./render/connect.js";
export { RenderError } from "./render/context.js";
export {
  type Component,
  type RenderedItem,
  type RenderedObject,
  type RenderOptions,
  type RenderResult,
  renderCluster,
} from "./render/index.js";
export { flowNames, patternToAclResources } from "./render/mirrormaker2.js";
export { alertGroups } from "./render/monitoring/alerts.js";
export {
  CONNECT_RULES,
  type JmxRule,
  KAFKA_EXPORTER_METRICS,
  KAFKA_RULES,
  MIRRORMAKER2_RULES,
  metricNames,
} from "./render/monitoring/jmx-rules.js";
export type * from "./wire/k8s.js";
export type * from "./wire/monitoring.js";
export type * from "./wire/strimzi.js";
