import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { defaultCacheDir } from "@kiln/catalog";

const run = promisify(execFile);

/** Kafka 4.3.1 is Strimzi 1.2's default. */
export const DEFAULT_KAFKA_VERSION = "4.3.1";

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
  "org.apache.kafka:kafka_2.13",
  "org.apache.kafka:kafka-server",
  "org.apache.kafka:kafka-tools",
  "org.apache.kafka:connect-runtime",
  "org.apache.kafka:connect-json",
  "org.apache.kafka:connect-transforms",
  "org.apache.kafka:connect-mirror",
];

function pom(version: string, artifacts: Array<{ coords: string; version: string }>): string {
  const deps = artifacts
    .map(({ coords, version: v }) => {
      const [g, a] = coords.split(":");
      return `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
    })
    .join("\n");
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kiln.test</groupId>
  <artifactId>kafka-jars-${version}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

async function copyDependencies(dir: string, pomText: string, outDir: string, extra: string[] = []) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "pom.xml"), pomText);
  // mvn follows ~/.m2/settings.xml (mirrors, proxies, credentials) like any other build here.
  try {
    await run(
      "mvn",
      [
        "-q",
        "-B",
        "dependency:copy-dependencies",
        `-DoutputDirectory=${outDir}`,
        "-DincludeScope=runtime",
        ...extra,
      ],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(
      `mvn dependency:copy-dependencies failed in ${dir}:\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      {
        cause: err,
      },
    );
  }
}

const inFlight = new Map<string, Promise<KafkaJars>>();

/**
 * Resolves Kafka `version` (broker, tools, Connect runtime, MirrorMaker 2, FileStream plugin)
 * into <kiln cache>/kafka/<version>/ through Maven (artifacts cached in ~/.m2).
 * A finished cache is reused as is; concurrent callers in one process share one resolution.
 */
export function resolveKafkaJars(version: string = DEFAULT_KAFKA_VERSION): Promise<KafkaJars> {
  let p = inFlight.get(version);
  if (!p) {
    p = resolve(version);
    inFlight.set(version, p);
    p.catch(() => inFlight.delete(version));
  }
  return p;
}

async function resolve(version: string): Promise<KafkaJars> {
  const root = join(defaultCacheDir(process.env), "kafka", version);
  const jars: KafkaJars = {
    version,
    libDir: join(root, "libs"),
    pluginsDir: join(root, "plugins"),
    fileStreamPluginDir: join(root, "plugins", "file-stream"),
  };
  if (existsSync(join(root, ".complete"))) return jars;

  const staging = `${root}.tmp-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  const log4j = "2.25.4";
  await copyDependencies(
    join(staging, "pom-runtime"),
    pom(version, [
      ...RUNTIME_ARTIFACTS.map((coords) => ({ coords, version })),
      // Kafka 4 logs through log4j2; slf4j 1.x callers need the log4j2 binding.
      { coords: "org.apache.logging.log4j:log4j-slf4j-impl", version: log4j },
    ]),
    join(staging, "libs"),
  );
  await copyDependencies(
    join(staging, "pom-file"),
    pom(version, [{ coords: "org.apache.kafka:connect-file", version }]),
    join(staging, "plugins", "file-stream"),
    ["-DexcludeTransitive=true"],
  );
  const libs = await readdir(join(staging, "libs"));
  if (!libs.some((f) => f.startsWith(`kafka_2.13-${version}`))) {
    throw new Error(`Kafka ${version}: kafka_2.13 jar missing after resolution (${staging}/libs)`);
  }
  await writeFile(join(staging, ".complete"), `${new Date().toISOString()}\n`);
  await mkdir(join(root, ".."), { recursive: true });
  try {
    await rename(staging, root);
  } catch (err) {
    // Another process finished first: keep its copy.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(root, ".complete"))) throw err;
  }
  return jars;
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
