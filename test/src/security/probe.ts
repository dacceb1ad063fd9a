import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stderrLog4j2 } from "../harness/kafka/clients.js";
import { compileJava, javaBin, javaFlags } from "../harness/kafka/index.js";

const run = promisify(execFile);

/** One client trying one operation with its own properties. */
export interface Probe {
  name: string;
  /** A client properties file (as `kiln up` writes them per user and listener). */
  config?: string;
  /** Properties set over the file's (null removes one). */
  overrides?: Record<string, string | null>;
  action: "produce" | "consume" | "create-topic" | "describe-cluster";
  topic?: string;
  group?: string;
}

export interface ProbeResult {
  name: string;
  ok: boolean;
  detail?: string;
  /** The exception class the client got, e.g. org.apache.kafka.common.errors.TopicAuthorizationException. */
  error?: string;
  message?: string;
}

/** Runs probes one after another in one JVM with Kafka's own clients (names resolved through the hosts file). */
export async function runProbes(
  probes: Probe[],
  opts: { workDir: string; hostsFile: string; classpath?: string[]; jvmArgs?: string[] },
): Promise<Record<string, ProbeResult>> {
  const { classpath } = await compileJava(
    fileURLToPath(new URL("./KilnSecurityProbe.java", import.meta.url)),
  );
  const input = join(opts.workDir, `probes-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(input, JSON.stringify(probes));
  const { stdout } = await run(
    javaBin(),
    [
      ...(opts.jvmArgs ?? []),
      ...javaFlags("192m"),
      `-Dlog4j2.configurationFile=${await stderrLog4j2()}`,
      `-Djdk.net.hosts.file=${opts.hostsFile}`,
      "-cp",
      [classpath, ...(opts.classpath ?? [])].join(":"),
      "KilnSecurityProbe",
      input,
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 * Math.max(1, probes.length) },
  );
  const results: Record<string, ProbeResult> = {};
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const r = JSON.parse(line) as ProbeResult;
    results[r.name] = r;
  }
  return results;
}
