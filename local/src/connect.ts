// Connect clusters of a local cluster: each KafkaConnect (on the plugin tree of its baked image,
// read back from the registry by digest) and the Connect cluster each KafkaMirrorMaker2 runs on,
// as workers on their own loopback addresses with the properties of the Strimzi model — the
// rendered Connect user's credentials for the worker and every client it creates.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseReference, pullPlugins, RegistryClient } from "@kiln/builder";
import type { CertSecretSource, TrustedCertificate } from "@kiln/clusters";
import { connectWorkerProperties } from "@kiln/clusters/strimzi";
import { ConnectClient } from "@kiln/connectors";
import {
  javaBin,
  propertiesText,
  resolveKafkaJars,
  type ServiceProcess,
  startProcess,
  waitFor,
} from "@kiln/runtime";
import { jvmArgs, KEYSTORE_PASSWORD_ENV, keystoreFor, type NodeRunOptions } from "./cluster.js";
import { LocalRuntimeError } from "./errors.js";
import { assertFree } from "./loopback.js";
import type { ClusterPlan, ConnectPlan } from "./plan.js";
import type { SecretStore } from "./secrets.js";

export const CONNECT_REST_PORT = 8083;

/** Strimzi's Kubernetes config providers; a local run reads the same placeholders from the Secret files. */
const KUBERNETES_PROVIDERS = new Set([
  "io.strimzi.kafka.KubernetesSecretConfigProvider",
  "io.strimzi.kafka.KubernetesConfigMapConfigProvider",
]);
const DIRECTORY_PROVIDER = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";

export interface RegistryAccess {
  /** Registries spoken to over plain http (`host:port`). */
  insecure?: string[];
}

export interface RunningConnect {
  plan: ConnectPlan;
  urls: string[];
  workers: { ip: string; podName: string; process: ServiceProcess; logFile: string }[];
}

/** The plugin directories a Connect cluster runs with: its baked image's tree, or Kafka's own plugins. */
async function pluginPath(
  c: ConnectPlan,
  dir: string,
  version: string,
  registry: RegistryAccess,
): Promise<string> {
  if (!c.image) return (await resolveKafkaJars(version)).pluginsDir;
  const ref = parseReference(c.image);
  if (!ref.digest)
    throw new LocalRuntimeError(
      `Connect cluster ${c.name} runs ${c.image}, which is not pinned by digest: pass its baked image (kiln up --image ${c.name}=<repository>@sha256:…)`,
    );
  const dest = join(dir, "plugins");
  await pullPlugins(new RegistryClient({ insecure: registry.insecure ?? [] }), ref, dest);
  return dest;
}

/** Secret files a worker reads: trust bundles and keystores made once per Connect cluster. */
function workerFiles(store: SecretStore, dir: string, c: ConnectPlan, opts: Pick<NodeRunOptions, "fips">) {
  const made: Promise<void>[] = [];
  const usedBy = `${c.kind} ${c.name}`;
  return {
    made,
    files: {
      trust(certs: TrustedCertificate[]) {
        const file = join(dir, "trusted.pem");
        made.push(
          Promise.all(certs.map((t) => store.read(t.secretName, t.certificate, usedBy))).then((pems) =>
            writeFile(
              file,
              pems
                .map((p) => p.trimEnd())
                .join("\n")
                .concat("\n"),
            ),
          ),
        );
        return file;
      },
      keystore(s: CertSecretSource) {
        const file = join(dir, "keystore.pem");
        const [key, cert] = [
          store.path(s.secretName, s.key, usedBy),
          store.path(s.secretName, s.certificate, usedBy),
        ];
        made.push(
          Promise.all([readFile(key, "utf8"), readFile(cert, "utf8")])
            .then(([k, c]) => writeFile(file, `${k.trimEnd()}\n${c.trimEnd()}\n`, { mode: 0o600 }))
            .then(() => keystoreFor({ keystore: file, cert, key }, opts))
            .then(() => {}),
        );
        return opts.fips ? join(dir, "keystore.bcfks") : file;
      },
      ...(opts.fips
        ? { keystoreFormat: { type: "BCFKS" as const, password: `\${strimzienv:${KEYSTORE_PASSWORD_ENV}}` } }
        : {}),
      secretDir: (name: string) => store.directory(name, usedBy),
    },
  };
}

export async function startConnect(
  plan: ClusterPlan,
  c: ConnectPlan,
  store: SecretStore,
  opts: NodeRunOptions & { dir: string; registry: RegistryAccess },
): Promise<RunningConnect> {
  const dir = join(opts.dir, "connect", c.name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const plugins = await pluginPath(c, dir, plan.version, opts.registry);
  const jars = await resolveKafkaJars(plan.version);
  const zones = [...new Set(plan.nodes.flatMap((n) => (n.zone ? [n.zone] : [])))];
  const workers: RunningConnect["workers"] = [];
  try {
    for (const [i, w] of c.workers.entries()) {
      const { files, made } = workerFiles(store, dir, c, opts);
      const props = connectWorkerProperties(c.spec, {
        files,
        restListener: `http://${w.ip}:${CONNECT_REST_PORT}`,
        restHost: w.ip,
        restPort: CONNECT_REST_PORT,
        pluginPath: plugins,
        ...(c.rack && zones.length > 0 ? { zone: zones[i % zones.length] } : {}),
      });
      await Promise.all(made);
      for (const [k, v] of Object.entries(props))
        if (/^config\.providers\.[^.]+\.class$/.test(k) && KUBERNETES_PROVIDERS.has(v))
          props[k] = DIRECTORY_PROVIDER;
      // MirrorMaker 2's connectors, deployed with `kiln mirror-connectors`, read credentials as
      // ${secrets:…} like every connector kiln deploys: a worker without that provider gets it.
      if (!props["config.providers"]?.split(",").includes("secrets")) {
        props["config.providers"] = `secrets,${props["config.providers"]}`;
        props["config.providers.secrets.class"] = DIRECTORY_PROVIDER;
      }
      const workerDir = join(dir, w.podName);
      await mkdir(workerDir, { recursive: true });
      const propsFile = join(workerDir, "worker.properties");
      await writeFile(propsFile, propertiesText(props), { mode: 0o600 });
      await assertFree(w.ip, CONNECT_REST_PORT, w.podName);
      const args = await jvmArgs(opts, {
        dir: workerDir,
        ip: w.ip,
        metricsConfig: c.metricsConfig,
        classpath: `${jars.libDir}/*`,
        main: ["org.apache.kafka.connect.cli.ConnectDistributed", propsFile],
      });
      const proc = await startProcess(
        w.podName,
        javaBin(),
        args,
        // ${secrets:<namespace>/<secret>:<key>} resolves relative to the store's root.
        {
          logDir: workerDir,
          cwd: store.root,
          ...(opts.fips ? { env: { [KEYSTORE_PASSWORD_ENV]: opts.fips.password } } : {}),
        },
      );
      workers.push({ ip: w.ip, podName: w.podName, process: proc, logFile: proc.logFile });
    }
    const urls = workers.map((w) => `http://${w.ip}:${CONNECT_REST_PORT}`);
    await Promise.all(
      workers.map((w, i) =>
        waitFor(
          `Connect worker ${w.podName} at ${urls[i]}`,
          async () => (await status(`${urls[i]}/health`)) === 200,
          {
            timeoutMs: opts.timeoutMs,
            service: w.process,
            intervalMs: 1000,
          },
        ),
      ),
    );
    return { plan: c, urls, workers };
  } catch (err) {
    await Promise.all(workers.map((w) => w.process.stop()));
    throw err;
  }
}

/**
 * What Strimzi's connector operator does for a KafkaConnect with connector resources: each
 * KafkaConnector created over the REST API with its class, tasks, config and state.
 */
export async function createConnectorResources(running: RunningConnect): Promise<string[]> {
  if (running.plan.connectors.length === 0) return [];
  const client = new ConnectClient({ urls: running.urls });
  try {
    for (const k of running.plan.connectors) {
      const config: Record<string, string> = {
        "connector.class": k.spec.class,
        ...(k.spec.tasksMax ? { "tasks.max": String(k.spec.tasksMax) } : {}),
        ...Object.fromEntries(Object.entries(k.spec.config ?? {}).map(([key, v]) => [key, String(v)])),
      };
      const state = k.spec.state === "paused" ? "PAUSED" : k.spec.state === "stopped" ? "STOPPED" : "RUNNING";
      await client.create(k.metadata.name, config, state);
    }
  } finally {
    await client.close();
  }
  return running.plan.connectors.map((k) => k.metadata.name);
}

async function status(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * The runbook's first steps for a replication target, done for a local pair: the peer's cluster
 * CA and the read-only source user's Secret are copied into the target's namespace.
 */
export async function copyPeerSecrets(
  target: SecretStore,
  source: SecretStore,
  names: string[],
): Promise<void> {
  for (const name of names) {
    const dir = source.directory(name, `the DR runbook (copy ${name} to the target)`);
    for (const key of await readdir(dir)) await target.put(name, key, await readFile(join(dir, key), "utf8"));
  }
}
