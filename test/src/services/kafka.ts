import { dirname, join } from "node:path";
import { DEFAULT_KAFKA_VERSION, type KafkaNode, startKafka } from "../harness/kafka/index.js";
import type { Service } from "./service.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>` of the shared single-node KRaft cluster. */
    kafkaBootstrap: string;
    kafkaVersion: string;
    kafkaLogFile: string;
  }
}

// One broker per run, shared by the `kafka` and `connect` services (whichever starts first
// starts it; the last one to stop stops it).
let shared: Promise<KafkaNode> | undefined;
let refs = 0;

export async function acquireKafka(runDir: string): Promise<KafkaNode> {
  refs++;
  shared ??= startKafka({
    version: process.env.KILN_TEST_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION,
    workDir: join(runDir, "kafka-node"),
  });
  try {
    return await shared;
  } catch (err) {
    refs--;
    shared = undefined;
    throw err;
  }
}

export async function releaseKafka(): Promise<void> {
  refs--;
  if (refs > 0 || !shared) return;
  const node = await shared.catch(() => undefined);
  shared = undefined;
  await node?.stop();
}

export const kafka: Service = {
  name: "kafka",
  async start({ workDir }) {
    const node = await acquireKafka(dirname(workDir));
    return {
      provide: { kafkaBootstrap: node.bootstrap, kafkaVersion: node.version, kafkaLogFile: node.logFile },
      stop: releaseKafka,
    };
  },
};
