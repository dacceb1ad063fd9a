import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stderrLog4j2 } from "../kafka/clients.js";
import { compileJava, DEFAULT_KAFKA_VERSION, javaBin, javaFlags } from "../kafka/index.js";
import { freePort } from "../ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface LagExporter {
  /** `127.0.0.1:<port>` serving `/metrics`. */
  target: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * kiln's Kafka Exporter stand-in (`KilnLagExporter.java`): kafka_exporter's metric and label
 * names (`kafka_consumergroup_lag{consumergroup,topic,partition}`, `kafka_topic_partition_*`,
 * `kafka_brokers`, …), computed per scrape with Kafka's Admin client.
 */
export async function startLagExporter(opts: {
  bootstrap: string;
  workDir: string;
  version?: string;
  /** Client properties (TLS, identity) and the JDK hosts file that resolves the cluster's names. */
  clientConfig?: string;
  hostsFile?: string;
}): Promise<LagExporter> {
  const { classpath } = await compileJava(join(here, "KilnLagExporter.java"), {
    version: opts.version ?? DEFAULT_KAFKA_VERSION,
  });
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const proc = await startProcess(
    `lag-exporter-${port}`,
    javaBin(),
    [
      ...javaFlags("128m"),
      `-Dlog4j2.configurationFile=${await stderrLog4j2()}`,
      ...(opts.hostsFile ? [`-Djdk.net.hosts.file=${opts.hostsFile}`] : []),
      "-cp",
      classpath,
      "KilnLagExporter",
      opts.bootstrap,
      target,
      ...(opts.clientConfig ? [opts.clientConfig] : []),
    ],
    { logDir: opts.workDir },
  );
  try {
    await waitFor(`lag exporter on ${target}`, async () => (await fetch(`http://${target}/`)).ok, {
      timeoutMs: 60_000,
      service: proc,
      intervalMs: 300,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { target, process: proc, stop: () => proc.stop() };
}

/** Fetches a `/metrics` page and returns the metric names it carries (samples, not comments). */
export async function scrapeNames(target: string): Promise<Set<string>> {
  const res = await fetch(`http://${target}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}
