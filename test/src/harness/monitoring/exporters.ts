import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { JMX_EXPORTER_JARS, resolveJarSet } from "@kiln/connectors/runtime";
import { stderrLog4j2 } from "../kafka/clients.js";
import { compileJava, DEFAULT_KAFKA_VERSION, javaBin, javaFlags } from "../kafka/index.js";
import { freePort } from "../ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

const _run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The JMX exporter agent jar (`JMX_EXPORTER_JARS`, from Maven Central through ~/.m2, cached). */
export async function resolveJmxExporterAgent(): Promise<string> {
  const set = await resolveJarSet(JMX_EXPORTER_JARS);
  const jar = set.files.find((f) => f.endsWith(".jar"));
  if (!jar) throw new Error(`no jar in ${set.name}`);
  return jar;
}

export interface JmxAgent {
  /** `-javaagent:…` for the JVM. */
  jvmArg: string;
  /** `127.0.0.1:<port>` the agent serves `/metrics` on. */
  target: string;
}

/**
 * The agent argument for one JVM: the exporter config (a rendered ConfigMap's
 * `metrics-config.yml`) written to `dir`, served on a free loopback port.
 */
export async function jmxAgent(dir: string, name: string, exporterConfig: string): Promise<JmxAgent> {
  const jar = await resolveJmxExporterAgent();
  await mkdir(dir, { recursive: true });
  const config = join(dir, `${name}-metrics-config.yml`);
  await writeFile(config, exporterConfig);
  const port = await freePort();
  return { jvmArg: `-javaagent:${jar}=127.0.0.1:${port}:${config}`, target: `127.0.0.1:${port}` };
}

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
      "-cp",
      classpath,
      "KilnLagExporter",
      opts.bootstrap,
      target,
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
