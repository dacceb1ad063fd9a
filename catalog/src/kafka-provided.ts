/**
 * Artifacts the Kafka Connect runtime already has on its class path. A plugin
 * that ships its own copy risks class-loading conflicts (plugin isolation
 * breaks), so resolvers flag them and inspection warns about them.
 */
export const KAFKA_PROVIDED = [
  "kafka-clients",
  "connect-api",
  "connect-runtime",
  "connect-json",
  "connect-transforms",
  "connect-basic-auth-extension",
  "kafka-server-common",
  "kafka-tools-api",
  "kafka_2.13",
  // Connect loads org.slf4j from the worker's class path, never from a plugin.
  "slf4j-api",
] as const;

const JAR = /^(.+?)-(\d[\w.+-]*)\.jar$/;

/** Splits `kafka-clients-4.3.1.jar` into artifact and version (undefined when it has no version). */
export function parseJarName(fileName: string): { artifact: string; version: string | undefined } {
  const base = fileName.split("/").pop() ?? fileName;
  const m = JAR.exec(base);
  return m
    ? { artifact: m[1] as string, version: m[2] }
    : { artifact: base.replace(/\.jar$/, ""), version: undefined };
}

/** Whether a jar (by file name) is one Kafka ships itself. */
export function isKafkaProvided(fileName: string): boolean {
  return (KAFKA_PROVIDED as readonly string[]).includes(parseJarName(fileName).artifact);
}
