export { type KafkaNode, portOpen, type StartKafkaOptions, startKafka } from "./broker.js";
export {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  type StartConnectWorkerOptions,
  startConnectWorker,
} from "./connect.js";
export { DEFAULT_KAFKA_VERSION, javaBin, javaFlags, type KafkaJars, resolveKafkaJars } from "./jars.js";
