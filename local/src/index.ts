// A local runtime of rendered clusters: `kiln up` / `kiln down`, and what the suites use to
// prove the security kiln renders with real traffic.

export { type Decision, describeGrant, type GrantUsage, grantUsage, parseAuditLog } from "./audit.js";
export {
  down,
  type LocalCluster,
  type LocalEnvironment,
  readState,
  type UpOptions,
  up,
} from "./environment.js";
export { LocalRuntimeError } from "./errors.js";
export { hostsFileText, loopbackBlock } from "./loopback.js";
export { type ClusterPlan, LOCAL_ENVIRONMENT, type LocalListener, planCluster, type Scale } from "./plan.js";
export { clientProperties, type LocalUser } from "./users.js";
