import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultCacheDir } from "@kiln/catalog";
import { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
import { cachedDirectory, copyDependencies, dependencyPom, once } from "./maven.js";

/** The jars a Kafka broker and a Connect worker need, resolved from Maven Central and cached. */
export interface KafkaJars {
  version: string;
  /** Broker, tools and Connect runtime jars (one directory; use `${libDir}/*` as the classpath). */
  libDir: string;
  /** A `plugin.path` entry holding one plugin directory per plugin, `file-stream/` among them. */
  pluginsDir: string;
  /** The FileStream connectors' own plugin directory (connect-file jar only). */
  fileStreamPluginDir: string;
}

/** Modules on the worker/broker classpath. connect-file is deliberately absent: it is a plugin. */
const RUNTIME_ARTIFACTS = [
  "kafka_2.13",
  "kafka-server",
  "kafka-tools",
  "connect-runtime",
  "connect-json",
  "connect-transforms",
  "connect-mirror",
];

const log4j = "2.25.4";

/**
 * Resolves Kafka `version` (broker, tools, Connect runtime, MirrorMaker 2, FileStream plugin)
 * into <kiln cache>/kafka/<version>/ through Maven (artifacts cached in ~/.m2).
 * A finished cache is reused as is; concurrent callers in one process share one resolution.
 */
export function resolveKafkaJars(version: string = DEFAULT_KAFKA_VERSION): Promise<KafkaJars> {
  const root = join(defaultCacheDir(process.env), "kafka", version);
  return once(root, async () => {
    await cachedDirectory(root, async (staging) => {
      const kafka = (artifactId: string) => ({ groupId: "org.apache.kafka", artifactId, version });
      await copyDependencies(
        join(staging, "pom-runtime"),
        dependencyPom(`kafka-jars-${version}`, [
          ...RUNTIME_ARTIFACTS.map(kafka),
          // Kafka 4 logs through log4j2; slf4j 1.x callers need the log4j2 binding.
          { groupId: "org.apache.logging.log4j", artifactId: "log4j-slf4j-impl", version: log4j },
        ]),
        join(staging, "libs"),
      );
      await copyDependencies(
        join(staging, "pom-file"),
        dependencyPom(`kafka-file-${version}`, [kafka("connect-file")]),
        join(staging, "plugins", "file-stream"),
        ["-DexcludeTransitive=true"],
      );
      const libs = await readdir(join(staging, "libs"));
      if (!libs.some((f) => f.startsWith(`kafka_2.13-${version}`))) {
        throw new Error(`Kafka ${version}: kafka_2.13 jar missing after resolution (${staging}/libs)`);
      }
    });
    return {
      version,
      libDir: join(root, "libs"),
      pluginsDir: join(root, "plugins"),
      fileStreamPluginDir: join(root, "plugins", "file-stream"),
    };
  });
}

/** Java flags for short-lived test JVMs on a 2-core machine: small heap, fast start. */
export function javaFlags(heap = "384m"): string[] {
  return [
    `-Xmx${heap}`,
    "-Xms64m",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-Djava.awt.headless=true",
  ];
}

/** `java` from JAVA_HOME when set (Kafka 4 needs Java 17+), else from PATH. */
export function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";
}
