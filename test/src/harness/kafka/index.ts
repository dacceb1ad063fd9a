// The Kafka/Connect runtime is a kiln feature (`kiln conformance` runs on it);
// suites use it from here, with the client tools tests need beside it.
export {
  type ConnectWorker,
  compileJava,
  FILE_CONFIG_PROVIDER,
  javaBin,
  javaFlags,
  type KafkaJars,
  type KafkaNode,
  portOpen,
  resolveKafkaJars,
  type StartConnectWorkerOptions,
  type StartKafkaOptions,
  startConnectWorker,
  startKafka,
  writeLog4j2,
} from "@kiln/runtime";
export { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
