import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, realpathSync, statSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { compileJava, javaBin, javaFlags } from "@kiln/runtime";
import { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
import { testCacheDir } from "../cache.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** A log4j2 config sending WARN and above to stderr, so stdout carries only a tool's output. */
export async function stderrLog4j2(): Promise<string> {
  const file = join(testCacheDir(), "log4j2-stderr.properties");
  if (!existsSync(file)) {
    await mkdir(testCacheDir(), { recursive: true });
    await writeFile(
      file,
      [
        "status = error",
        "appender.err.type = Console",
        "appender.err.name = STDERR",
        "appender.err.target = SYSTEM_ERR",
        "appender.err.layout.type = PatternLayout",
        "appender.err.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = WARN",
        "rootLogger.appenderRef.err.ref = STDERR",
        "",
      ].join("\n"),
    );
  }
  return file;
}

/** JVM log output (class data sharing's warnings among it) on stderr: stdout carries only JSON. */
const JVM_LOG = ["-Xlog:disable", "-Xlog:all=warning:stderr"];

/** How client JVMs start with class data sharing: the archived classpath and the flags. */
interface SharedClasses {
  classpath: string;
  jvmArgs: string[];
}

/**
 * Every client call starts a JVM; most of its start-up CPU goes to loading Kafka's client classes.
 * A dynamic CDS archive of them (JDK 13+), made once per machine by a warm-up run, about halves
 * that (1.4 → 0.8 s CPU each, measured here). CDS archives jars only, so the compiled class goes
 * into a jar. Any failure leaves the calls running without it.
 */
async function sharedClasses(
  compiled: { classpath: string; dir: string },
  log4j: string,
): Promise<SharedClasses | undefined> {
  if (!compiled.classpath.endsWith(`:${compiled.dir}`)) return undefined;
  const jar = join(testCacheDir(), "cds", `${basename(compiled.dir)}.jar`);
  const classpath = `${compiled.classpath.slice(0, -compiled.dir.length)}${jar}`;
  // The archive is valid for one JDK build: keyed by the java binary (PATH's when JAVA_HOME is unset).
  const bin = javaBin().includes("/")
    ? javaBin()
    : (process.env.PATH ?? "")
        .split(":")
        .map((d) => join(d, javaBin()))
        .find((f) => existsSync(f));
  if (!bin) return undefined;
  const java = realpathSync(bin);
  const key = createHash("sha256")
    .update(`${java}\0${statSync(java).mtimeMs}\0${classpath}`)
    .digest("hex")
    .slice(0, 16);
  const archive = join(testCacheDir(), "cds", `KilnKafkaClients-${key}.jsa`);
  const jvmArgs = [...JVM_LOG, `-XX:SharedArchiveFile=${archive}`];
  if (existsSync(archive) && existsSync(jar)) return { classpath, jvmArgs };
  const tmp = `.tmp-${process.pid}-${Date.now()}`;
  try {
    await mkdir(dirname(archive), { recursive: true });
    if (!existsSync(jar)) {
      const tool = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "jar") : "jar";
      await run(tool, ["cf", `${jar}${tmp}`, "-C", compiled.dir, "."]);
      await rename(`${jar}${tmp}`, jar);
    }
    await run(javaBin(), [
      ...javaFlags("128m"),
      ...JVM_LOG,
      `-XX:ArchiveClassesAtExit=${archive}${tmp}`,
      `-Dlog4j2.configurationFile=${log4j}`,
      "-cp",
      classpath,
      "KilnKafkaClients",
      "warm-up",
      "127.0.0.1:9",
    ]);
    await rename(`${archive}${tmp}`, archive);
    return { classpath, jvmArgs };
  } catch (err) {
    await Promise.all([rm(`${jar}${tmp}`, { force: true }), rm(`${archive}${tmp}`, { force: true })]);
    console.warn(`KilnKafkaClients runs without class data sharing: ${String(err).split("\n")[0]}`);
    return undefined;
  }
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: number;
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Writes client properties (security.protocol, ssl.*, sasl.*) to `file`, for `KafkaClientOptions.configFile`. */
export async function writeClientConfig(file: string, props: Record<string, string>): Promise<string> {
  await writeFile(
    file,
    `${Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
    { mode: 0o600 },
  );
  return file;
}

/** How the client JVMs connect: security settings and what they load. */
export interface KafkaClientOptions {
  /** A client properties file (security.protocol, ssl.*, sasl.*) applied to every producer, consumer and admin. */
  configFile?: string;
  /** Extra classpath entries after Kafka's (e.g. a SASL login callback handler's jars). */
  classpath?: string[];
  /** Extra JVM flags (e.g. `-Djdk.net.hosts.file=…`, a security provider's). */
  jvmArgs?: string[];
}

/**
 * Kafka's own Java client (producer, consumer, admin) driven from tests: each call runs
 * `KilnKafkaClients` in a short-lived JVM on the resolved Kafka jars.
 */
export class KafkaClients {
  private constructor(
    private readonly classpath: string,
    private readonly log4j: string,
    private readonly opts: KafkaClientOptions,
    private readonly shared: SharedClasses | undefined,
  ) {}

  static async create(
    version: string = DEFAULT_KAFKA_VERSION,
    opts: KafkaClientOptions = {},
  ): Promise<KafkaClients> {
    const compiled = await compileJava(join(here, "KilnKafkaClients.java"), { version });
    const log4j = await stderrLog4j2();
    return new KafkaClients(compiled.classpath, log4j, opts, await sharedClasses(compiled, log4j));
  }

  /** The same clients with other connection settings (another user, another provider). */
  with(opts: KafkaClientOptions): KafkaClients {
    return new KafkaClients(this.classpath, this.log4j, opts, this.shared);
  }

  private async exec<T>(args: string[], timeoutMs = 120_000): Promise<T[]> {
    const { configFile, classpath = [], jvmArgs = [] } = this.opts;
    // The archive holds the classpath it was made with: extra entries run without it.
    const shared = classpath.length === 0 ? this.shared : undefined;
    try {
      const { stdout } = await run(
        javaBin(),
        [
          ...javaFlags("128m"),
          ...(shared?.jvmArgs ?? []),
          ...jvmArgs,
          `-Dlog4j2.configurationFile=${this.log4j}`,
          ...(configFile ? [`-Dkiln.clients.config=${configFile}`] : []),
          "-cp",
          [shared?.classpath ?? this.classpath, ...classpath].join(":"),
          "KilnKafkaClients",
          ...args,
        ],
        { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      );
      return stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as T);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`KilnKafkaClients ${args.join(" ")} failed:\n${e.stderr ?? ""}`, { cause: err });
    }
  }

  /** `assignment`: broker ids per partition, e.g. `[[1, 2]]` (else Kafka places `replicationFactor` replicas). */
  async createTopic(
    bootstrap: string,
    topic: string,
    opts: { partitions?: number; replicationFactor?: number; assignment?: number[][] } = {},
  ): Promise<void> {
    const assignment = (opts.assignment ?? []).map((ids) => ids.join(":")).join(",");
    await this.exec([
      "create-topic",
      bootstrap,
      topic,
      String(opts.partitions ?? 1),
      String(opts.replicationFactor ?? 1),
      assignment,
    ]);
  }

  async listTopics(bootstrap: string): Promise<string[]> {
    return (await this.exec<{ topic: string }>(["list-topics", bootstrap])).map((r) => r.topic).sort();
  }

  async describeTopic(bootstrap: string, topic: string): Promise<PartitionInfo[]> {
    return this.exec<PartitionInfo>(["describe-topic", bootstrap, topic]);
  }

  /** Writes `<prefix>-<i>` (as key and value) for i in [from, from + count) with acks=all. */
  async produce(bootstrap: string, topic: string, count: number, prefix: string, from = 0): Promise<void> {
    await this.exec(["produce", bootstrap, topic, String(from), String(count), prefix]);
  }

  /**
   * Reads up to `max` records as `group` from its committed offsets (else the earliest), commits
   * exactly the records returned, and returns them; stops early after `idleMs` without records.
   */
  async consume(
    bootstrap: string,
    topics: string[],
    group: string,
    max: number,
    idleMs = 10_000,
  ): Promise<ConsumedRecord[]> {
    return this.exec<ConsumedRecord>([
      "consume",
      bootstrap,
      topics.join(","),
      group,
      String(max),
      String(idleMs),
    ]);
  }

  /** Adds (or removes) one ALLOW binding, as the User Operator would (a super-user's config). */
  async acl(
    bootstrap: string,
    change: "create" | "delete",
    b: { principal: string; resourceType: string; name: string; patternType: string; operation: string },
  ): Promise<void> {
    await this.exec([
      `${change}-acl`,
      bootstrap,
      b.principal,
      b.resourceType,
      b.name,
      b.patternType,
      b.operation,
    ]);
  }

  async groupOffsets(bootstrap: string, group: string): Promise<PartitionOffset[]> {
    return this.exec<PartitionOffset>(["group-offsets", bootstrap, group]);
  }

  async endOffsets(bootstrap: string, topic: string): Promise<PartitionOffset[]> {
    return this.exec<PartitionOffset>(["end-offsets", bootstrap, topic]);
  }
}
