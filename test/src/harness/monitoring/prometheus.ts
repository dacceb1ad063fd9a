import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { RuleGroup } from "@kiln/clusters";
import { freePort } from "../ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

// JSON is YAML: Prometheus reads these files as YAML.
const stringify = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

const run = promisify(execFile);

/** A scrape target with the labels the rendered PodMonitor's relabelings put on a Strimzi pod's series. */
export interface ScrapeTarget {
  job: string;
  /** `host:port` serving `/metrics`. */
  target: string;
  labels: Record<string, string>;
}

/**
 * The labels kiln's PodMonitor derives from a Strimzi pod (`strimzi.io/*` pod labels mapped to
 * `strimzi_io_*`, plus `namespace` and `pod`), so kiln's rules and dashboards select these
 * series exactly as they would in a Kubernetes cluster.
 */
export function strimziPodLabels(p: {
  namespace: string;
  cluster: string;
  kind: "Kafka" | "KafkaConnect" | "KafkaMirrorMaker2";
  name: string;
  pod: string;
}): Record<string, string> {
  return {
    namespace: p.namespace,
    strimzi_io_cluster: p.cluster,
    strimzi_io_kind: p.kind,
    strimzi_io_name: p.name,
    pod: p.pod,
  };
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing" | "inactive";
  activeAt?: string;
  value: string;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  url: string;
  process: ServiceProcess;
  rulesFile: string;
  /** An instant query; the vector's samples. */
  query(expr: string): Promise<PromSample[]>;
  alerts(): Promise<PrometheusAlert[]>;
  /** Waits until an alert named `name` (with the given labels) is firing; returns it. */
  waitForFiring(name: string, labels?: Record<string, string>, timeoutMs?: number): Promise<PrometheusAlert>;
  stop(): Promise<void>;
}

/** Checks rule groups with `promtool check rules`; throws with promtool's output when they are invalid. */
export async function checkRules(file: string): Promise<string> {
  try {
    const { stdout } = await run("promtool", ["check", "rules", file]);
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool check rules ${file}:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }
}

/**
 * Debian's `prometheus` on loopback: scrapes `targets` every `scrapeInterval` and evaluates
 * `groups` (rendered PrometheusRule groups, checked with promtool first) every `evaluationInterval`.
 */
export async function startPrometheus(opts: {
  workDir: string;
  targets: ScrapeTarget[];
  groups: RuleGroup[];
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Alertmanagers (`host:port`) Prometheus sends its alerts to. */
  alertmanagers?: string[];
  /**
   * Loads the rules only once every target has been scraped up, as in a cluster where
   * Prometheus runs long before the rules arrive: no alert fires on series not yet scraped.
   */
  rulesOnceUp?: boolean;
}): Promise<Prometheus> {
  const dir = join(opts.workDir, "prometheus");
  await mkdir(join(dir, "data"), { recursive: true });
  const rulesFile = join(dir, "rules.yml");
  await writeFile(rulesFile, stringify({ groups: opts.groups }));
  await checkRules(rulesFile);
  const interval = opts.scrapeInterval ?? "1s";
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of opts.targets) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  const config = (withRules: boolean) => ({
    global: {
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: opts.evaluationInterval ?? "1s",
    },
    rule_files: withRules ? [rulesFile] : [],
    ...(opts.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] } }
      : {}),
    scrape_configs: [...jobs].map(([job, ts]) => ({
      job_name: job,
      static_configs: ts.map((t) => ({ targets: [t.target], labels: t.labels })),
    })),
  });
  const configFile = join(dir, "prometheus.yml");
  await writeFile(configFile, stringify(config(!opts.rulesOnceUp)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess(
    "prometheus",
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
      ...(opts.rulesOnceUp ? ["--web.enable-lifecycle"] : []),
    ],
    { logDir: dir },
  );
  try {
    await waitFor(`Prometheus at ${url}`, async () => (await fetch(`${url}/-/ready`)).ok, {
      timeoutMs: 60_000,
      service: proc,
      intervalMs: 300,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const alerts = async () => (await api<{ alerts: PrometheusAlert[] }>("/api/v1/alerts")).alerts;
  if (opts.rulesOnceUp) {
    try {
      await waitFor(
        "every target scraped up",
        async () => {
          const t = await api<{ activeTargets: { health: string }[] }>("/api/v1/targets");
          return (
            t.activeTargets.length === opts.targets.length && t.activeTargets.every((x) => x.health === "up")
          );
        },
        { timeoutMs: 120_000, service: proc, intervalMs: 500 },
      );
      await writeFile(configFile, stringify(config(true)));
      const reload = await fetch(`${url}/-/reload`, { method: "POST", signal: AbortSignal.timeout(30_000) });
      if (!reload.ok) throw new Error(`Prometheus reload: ${reload.status} ${await reload.text()}`);
      await waitFor(
        "the rules loaded",
        async () => (await api<{ groups: unknown[] }>("/api/v1/rules")).groups.length === opts.groups.length,
        { timeoutMs: 30_000, service: proc, intervalMs: 200 },
      );
    } catch (err) {
      await proc.stop();
      throw err;
    }
  }
  return {
    url,
    process: proc,
    rulesFile,
    query: async (expr) =>
      (await api<{ result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    alerts,
    async waitForFiring(name, labels = {}, timeoutMs = 120_000) {
      let found: PrometheusAlert | undefined;
      await waitFor(
        `alert ${name} firing`,
        async () => {
          found = (await alerts()).find(
            (a) =>
              a.labels.alertname === name &&
              a.state === "firing" &&
              Object.entries(labels).every(([k, v]) => a.labels[k] === v),
          );
          return found !== undefined;
        },
        { timeoutMs, intervalMs: 500, service: proc },
      );
      return found as PrometheusAlert;
    },
    stop: () => proc.stop(),
  };
}
