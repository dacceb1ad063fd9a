import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
import { javaBin, javaFlags, resolveKafkaJars } from "./jars.js";
import { propertiesText, writeLog4j2 } from "./log4j.js";
import { freePort } from "./ports.js";
import { type ServiceProcess, startProcess, whenReady } from "./process.js";

export interface ConnectWorker {
  /** `http://127.0.0.1:<port>` (`https://` with the `https` option) */
  url: string;
  restPort: number;
  groupId: string;
  /** The worker id Connect reports in status (`127.0.0.1:<port>`). */
  workerId: string;
  process: ServiceProcess;
  logFile: string;
  logs(lines?: number): Promise<string>;
  stop(): Promise<void>;
  /** SIGKILL, as a crashed pod would die: no graceful leave from the group. */
  kill(): Promise<void>;
}

export interface StartConnectWorkerOptions {
  bootstrap: string;
  groupId: string;
  workDir: string;
  /** A name for logs (default `connect-<restPort>`). */
  name?: string;
  version?: string;
  /** `plugin.path` entries; defaults to the FileStream plugin of the resolved Kafka. */
  pluginPath?: string[];
  restPort?: number;
  /**
   * Config providers by alias, e.g. `{ file: "org.apache.kafka.common.config.provider.FileConfigProvider" }`;
   * set as `config.providers` and `config.providers.<alias>.class`.
   */
  configProviders?: Record<string, string>;
  /** Extra worker properties (override the defaults). */
  properties?: Record<string, string | number>;
  heap?: string;
  timeoutMs?: number;
  /** Extra JVM arguments (e.g. `-javaagent:…`), before the main class. */
  jvmArgs?: string[];
  /** Extra classpath entries after Kafka's own (e.g. a JAAS login module, which loads from there). */
  classpath?: string[];
  /** Serve REST over HTTPS (`properties` should carry the `listeners.https.ssl.*` settings). */
  https?: boolean;
  /**
   * The HTTP status of a GET, for the readiness checks (default: a plain fetch). A secured
   * worker needs the caller's CA, client certificate or credentials.
   */
  probe?: (url: string) => Promise<number>;
}

export const FILE_CONFIG_PROVIDER = "org.apache.kafka.common.config.provider.FileConfigProvider";

/**
 * A distributed Connect worker (`org.apache.kafka.connect.cli.ConnectDistributed`) on loopback,
 * ready once `GET /` and `GET /health` answer 200. Workers started with the same `groupId`
 * and bootstrap form one Connect cluster (topics `<groupId>-configs|offsets|status`).
 */
export async function startConnectWorker(opts: StartConnectWorkerOptions): Promise<ConnectWorker> {
  const version = opts.version ?? DEFAULT_KAFKA_VERSION;
  const jars = await resolveKafkaJars(version);
  const restPort = opts.restPort ?? (await freePort());
  const name = opts.name ?? `connect-${restPort}`;
  const dir = join(opts.workDir, name);
  await mkdir(dir, { recursive: true });
  const scheme = opts.https ? "https" : "http";
  const probe = opts.probe ?? status;
  const providers = opts.configProviders ?? {};
  const providerProps: Record<string, string> = {};
  if (Object.keys(providers).length > 0) {
    providerProps["config.providers"] = Object.keys(providers).join(",");
    for (const [alias, cls] of Object.entries(providers))
      providerProps[`config.providers.${alias}.class`] = cls;
  }
  const props = {
    "bootstrap.servers": opts.bootstrap,
    "group.id": opts.groupId,
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
    "config.storage.topic": `${opts.groupId}-configs`,
    "offset.storage.topic": `${opts.groupId}-offsets`,
    "status.storage.topic": `${opts.groupId}-status`,
    "config.storage.replication.factor": 1,
    "offset.storage.replication.factor": 1,
    "offset.storage.partitions": 5,
    "status.storage.replication.factor": 1,
    "status.storage.partitions": 1,
    "offset.flush.interval.ms": 1000,
    listeners: `${scheme}://127.0.0.1:${restPort}`,
    ...(opts.https ? { "rest.advertised.listener": "https" } : {}),
    "rest.advertised.host.name": "127.0.0.1",
    "rest.advertised.port": restPort,
    "plugin.path": (opts.pluginPath ?? [jars.fileStreamPluginDir]).join(","),
    // Reassign a dead worker's connectors within seconds, not the default five minutes.
    "scheduled.rebalance.max.delay.ms": 5000,
    "task.shutdown.graceful.timeout.ms": 2000,
    ...providerProps,
    ...opts.properties,
  };
  const propsFile = join(dir, "worker.properties");
  await writeFile(propsFile, propertiesText(props));
  const log4j = await writeLog4j2(dir);
  const proc = await startProcess(
    name,
    javaBin(),
    [
      ...(opts.jvmArgs ?? []),
      ...javaFlags(opts.heap ?? "384m"),
      `-Dlog4j2.configurationFile=${log4j}`,
      "-cp",
      [`${jars.libDir}/*`, ...(opts.classpath ?? [])].join(":"),
      "org.apache.kafka.connect.cli.ConnectDistributed",
      propsFile,
    ],
    { logDir: dir },
  );
  const url = `${scheme}://127.0.0.1:${restPort}`;
  await whenReady(
    proc,
    [
      {
        what: `Connect worker ${name} at ${url}`,
        check: async () => (await probe(`${url}/`)) === 200,
        intervalMs: 500,
      },
      {
        what: `Connect worker ${name} health`,
        check: async () => (await probe(`${url}/health`)) === 200,
        intervalMs: 500,
      },
    ],
    opts.timeoutMs ?? 180_000,
  );
  return {
    url,
    restPort,
    groupId: opts.groupId,
    workerId: `127.0.0.1:${restPort}`,
    process: proc,
    logFile: proc.logFile,
    logs: (lines) => proc.tail(lines),
    stop: () => proc.stop(),
    kill: () => proc.stop("SIGKILL"),
  };
}

async function status(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}
