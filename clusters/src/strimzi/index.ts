// A model of what Strimzi's operators derive from the resources kiln renders: node ids, DNS
// names and certificates, broker properties, users' principals, ACLs and quotas. Used to run a
// rendered cluster locally and to check what clients dial against what certificates cover.
export {
  type BrokerConfigOptions,
  brokerProperties,
  type KeystoreFormat,
  keystoreProps,
  type NodeFiles,
} from "./broker-config.js";
export {
  type ConnectFiles,
  type ConnectWorkerOptions,
  type ConnectWorkerSpec,
  connectWorkerProperties,
} from "./connect-config.js";
export * from "./names.js";
export {
  certificateNames,
  type Environment,
  type ListenerAddresses,
  listenerAddresses,
  type NodeRef,
  nodeRefs,
  type ServiceEntry,
  serviceEntries,
  unreachable,
} from "./topology.js";
export { type AclBinding, type UserModel, userModel } from "./users.js";
