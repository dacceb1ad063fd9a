// A local Kafka installation from Maven Central: KRaft brokers and Connect
// workers as real JVMs. Used by `kiln conformance` and by the test harness.
export { type KafkaNode, portOpen, type StartKafkaOptions, startKafka } from "./broker.js";
export {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  type StartConnectWorkerOptions,
  startConnectWorker,
} from "./connect.js";
export { DEFAULT_KAFKA_VERSION, javaBin, javaFlags, type KafkaJars, resolveKafkaJars } from "./jars.js";
export { compileJava } from "./java.js";
export { propertiesText, writeLog4j2 } from "./log4j.js";
export { freePort } from "./ports.js";
export { type ServiceProcess, startProcess, stopProcessGroup, waitFor } from "./process.js";
