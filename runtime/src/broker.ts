import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
import { javaBin, javaFlags, resolveKafkaJars } from "./jars.js";
import { propertiesText, writeLog4j2 } from "./log4j.js";
import { freePort } from "./ports.js";
import { type ServiceProcess, startProcess, whenReady } from "./process.js";

const run = promisify(execFile);

export interface KafkaNode {
  version: string;
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  bootstrap: string;
  clusterId: string;
  /** `controller.quorum.voters` of this node's quorum (for `joinQuorum`). */
  quorumVoters: string;
  process: ServiceProcess;
  logFile: string;
  /** The last lines of the broker's log. */
  logs(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  version?: string;
  workDir: string;
  nodeId?: number;
  /** Extra broker properties (override the defaults). */
  properties?: Record<string, string | number>;
  heap?: string;
  timeoutMs?: number;
  /** Extra JVM arguments (e.g. `-javaagent:…`), before the main class. */
  jvmArgs?: string[];
  /** Format storage with this cluster id (default: a random one); a node joining a cluster needs its id. */
  clusterId?: string;
  /**
   * Join an existing node's KRaft quorum as a broker only (its `quorumVoters`), instead of being
   * a broker and controller of its own. Give the same `clusterId`.
   */
  joinQuorum?: string;
}

/**
 * One KRaft node acting as broker and controller on loopback: storage formatted with
 * `kafka.tools.StorageTool`, then `kafka.Kafka server.properties`. Replication factors are 1.
 */
export async function startKafka(opts: StartKafkaOptions): Promise<KafkaNode> {
  const version = opts.version ?? DEFAULT_KAFKA_VERSION;
  const jars = await resolveKafkaJars(version);
  const nodeId = opts.nodeId ?? 1;
  await mkdir(opts.workDir, { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const logDirs = join(opts.workDir, "data");
  const quorumVoters = opts.joinQuorum ?? `${nodeId}@127.0.0.1:${controllerPort}`;
  const props = {
    "process.roles": opts.joinQuorum ? "broker" : "broker,controller",
    "node.id": nodeId,
    "controller.quorum.voters": quorumVoters,
    listeners: opts.joinQuorum
      ? `PLAINTEXT://127.0.0.1:${port}`
      : `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": logDirs,
    "num.partitions": 1,
    "offsets.topic.replication.factor": 1,
    "offsets.topic.num.partitions": 5,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
    "auto.create.topics.enable": "true",
    "num.network.threads": 2,
    "num.io.threads": 2,
    ...opts.properties,
  };
  const propsFile = join(opts.workDir, "server.properties");
  await writeFile(propsFile, propertiesText(props));
  const log4j = await writeLog4j2(opts.workDir);
  const clusterId = opts.clusterId ?? newClusterId();
  const cp = `${jars.libDir}/*`;
  const jvm = [...javaFlags(opts.heap ?? "384m"), `-Dlog4j2.configurationFile=${log4j}`, "-cp", cp];
  const agentArgs = opts.jvmArgs ?? [];

  try {
    await run(javaBin(), [...jvm, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propsFile], {
      maxBuffer: 8 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`kafka-storage format failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }

  const proc = await startProcess(
    `kafka-${nodeId}`,
    javaBin(),
    [...agentArgs, ...jvm, "kafka.Kafka", propsFile],
    {
      logDir: opts.workDir,
    },
  );
  await whenReady(
    proc,
    [
      { what: `Kafka ${version} on 127.0.0.1:${port}`, check: () => portOpen(port) },
      {
        what: "Kafka broker startup",
        check: async () => (await proc.tail(100_000)).includes("Kafka Server started"),
        intervalMs: 500,
      },
    ],
    opts.timeoutMs ?? 120_000,
  );
  return {
    version,
    bootstrap: `127.0.0.1:${port}`,
    clusterId,
    quorumVoters,
    process: proc,
    logFile: proc.logFile,
    logs: (lines) => proc.tail(lines),
    stop: () => proc.stop(),
  };
}

export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A random KRaft cluster id. Like Kafka's Uuid.randomUuid, never one starting with "-" (the storage tool would read it as a flag). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}
