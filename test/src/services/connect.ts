import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  type KafkaNode,
  resolveKafkaJars,
  startConnectWorker,
} from "../harness/kafka/index.js";
import { acquireKafka, releaseKafka } from "./kafka.js";
import type { Service } from "./service.js";

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBootstrap: string;
    kafkaVersion: string;
    /** Both workers' REST URLs, comma-separated (`http://127.0.0.1:<port>,…`). */
    connectUrls: string;
    /** The Connect group both workers joined. */
    connectGroupId: string;
    /** The workers' `plugin.path` (comma-separated). */
    connectPluginPath: string;
    /** A directory the tests may write files into for the workers' FileConfigProvider (alias `file`). */
    connectSecretsDir: string;
    /** The workers' log files, comma-separated. */
    connectLogFiles: string;
  }
}

/**
 * Two distributed Connect workers in one group (so rebalances really happen), with the
 * FileStream connectors on `plugin.path` and a FileConfigProvider under the alias `file`.
 */
export const connect: Service = {
  name: "connect",
  async start({ workDir }) {
    const node: KafkaNode = await acquireKafka(dirname(workDir));
    const workers: ConnectWorker[] = [];
    const stop = async () => {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await releaseKafka();
    };
    try {
      const jars = await resolveKafkaJars(node.version);
      const secretsDir = join(workDir, "secrets");
      await mkdir(secretsDir, { recursive: true });
      const groupId = "kiln-connect";
      const common = {
        bootstrap: node.bootstrap,
        groupId,
        workDir,
        version: node.version,
        // Kafka's FileStream plugin, plus any plugin directories a suite resolved from the catalog
        // (e.g. Debezium), comma-separated in KILN_TEST_CONNECT_PLUGIN_PATH.
        pluginPath: [
          jars.pluginsDir,
          ...(process.env.KILN_TEST_CONNECT_PLUGIN_PATH?.split(",").filter(Boolean) ?? []),
        ],
        configProviders: { file: FILE_CONFIG_PROVIDER },
      };
      // One after the other: the first creates the internal topics, and two JVMs starting at
      // once on two cores gain nothing.
      workers.push(await startConnectWorker({ ...common, name: "connect-1" }));
      workers.push(await startConnectWorker({ ...common, name: "connect-2" }));
      return {
        provide: {
          kafkaBootstrap: node.bootstrap,
          kafkaVersion: node.version,
          connectUrls: workers.map((w) => w.url).join(","),
          connectGroupId: groupId,
          connectPluginPath: common.pluginPath.join(","),
          connectSecretsDir: secretsDir,
          connectLogFiles: workers.map((w) => w.logFile).join(","),
        },
        stop,
      };
    } catch (err) {
      await stop();
      throw err;
    }
  },
};
