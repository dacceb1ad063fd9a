import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  javaBin,
  javaFlags,
  type KafkaNode,
  resolveKafkaJars,
  startConnectWorker,
  startKafka,
} from "@kiln/runtime";
import { type ConformanceRuntime, type PluginPathListing, parsePluginPathList } from "./runtime.js";

const JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

const exec = promisify(execFile);

export interface LocalRuntime extends ConformanceRuntime {
  /** Stops the brokers it started. */
  close(): Promise<void>;
}

/**
 * Real Kafka from Maven Central (cached): one KRaft broker per Kafka version,
 * started on first use and shared by that version's workers.
 */
export function localRuntime(workDir: string): LocalRuntime {
  const brokers = new Map<string, Promise<KafkaNode>>();
  let workers = 0;
  const broker = (kafka: string) => {
    let node = brokers.get(kafka);
    if (!node) {
      node = startKafka({ version: kafka, workDir: join(workDir, `kafka-${kafka}`), heap: "320m" });
      brokers.set(kafka, node);
      node.catch(() => brokers.delete(kafka));
    }
    return node;
  };
  return {
    async prepare(kafka) {
      await broker(kafka);
    },

    async startWorker(kafka, pluginPath) {
      const node = await broker(kafka);
      const n = ++workers;
      const worker = await startConnectWorker({
        version: kafka,
        bootstrap: node.bootstrap,
        groupId: `kiln-conformance-${n}`,
        name: `conformance-${kafka}-${n}`,
        workDir: join(workDir, `worker-${n}`),
        pluginPath: [pluginPath],
        // Scan everything and report what lacks a manifest; conformance judges service_load apart.
        properties: {
          "plugin.discovery": "hybrid_warn",
          "key.converter": JSON_CONVERTER,
          "value.converter": JSON_CONVERTER,
        },
        heap: "512m",
        timeoutMs: 180_000,
      });
      return {
        url: worker.url,
        logTail: () => worker.logs(30),
        logFile: worker.logFile,
        settings: { "key.converter": JSON_CONVERTER, "value.converter": JSON_CONVERTER },
        stop: () => worker.stop(),
      };
    },

    async listPluginPath(kafka, pluginPath): Promise<PluginPathListing> {
      const jars = await resolveKafkaJars(kafka);
      // Kafka's own KIP-898 tool: which plugins load, and which have service manifests.
      const { stdout, stderr } = await exec(
        javaBin(),
        [
          ...javaFlags("256m"),
          "-cp",
          `${jars.libDir}/*`,
          "org.apache.kafka.tools.ConnectPluginPath",
          "list",
          "--plugin-path",
          pluginPath,
        ],
        { maxBuffer: 32 * 1024 * 1024 },
      );
      return { rows: parsePluginPathList(stdout), output: `${stdout}${stderr}` };
    },

    async close() {
      const nodes = await Promise.allSettled(brokers.values());
      await Promise.allSettled(nodes.flatMap((r) => (r.status === "fulfilled" ? [r.value.stop()] : [])));
      brokers.clear();
    },
  };
}
