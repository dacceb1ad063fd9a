// A local Kafka installation from Maven Central: KRaft brokers and Connect
// workers as real JVMs. Used by conformance, `kiln up` (@kiln/local) and the test harness.
export { type KafkaNode, portOpen, type StartKafkaOptions, startKafka } from "./broker.js";
export {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  type StartConnectWorkerOptions,
  startConnectWorker,
} from "./connect.js";
export { bcfksKeyStore, type FipsJvm, fipsJvm, fipsSecurityProperties } from "./fips.js";
export { javaBin, javaFlags, type KafkaJars, resolveKafkaJars } from "./jars.js";
export { compileJava } from "./java.js";
export { propertiesText, writeLog4j2 } from "./log4j.js";
export {
  cachedDirectory,
  copyDependencies,
  dependencyPom,
  type JarSet,
  type JarSetSpec,
  type MavenArtifact,
  resolveJarSet,
} from "./maven.js";
export { freePort } from "./ports.js";
export { type ServiceProcess, startProcess, stopProcessGroup, waitFor } from "./process.js";
export {
  BC_FIPS_JARS,
  JMX_EXPORTER_JARS,
  JMX_EXPORTER_VERSION,
  KEYCLOAK_AUTHORIZER_VERSION,
  OPA_AUTHORIZER_JARS,
  OPA_AUTHORIZER_VERSION,
  STRIMZI_OAUTH_JARS,
  STRIMZI_OAUTH_VERSION,
} from "./security-jars.js";
