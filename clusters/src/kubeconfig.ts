import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KilnError } from "@kiln/schemas";
import { type Cluster, type Context, KubeConfig, type User } from "@kubernetes/client-node";

/** A kubeconfig could not be loaded, or has no usable context. */
export class KubeconfigError extends KilnError {}

export interface KubeconfigOptions {
  /** `--kubeconfig`: one file, used instead of KUBECONFIG. */
  kubeconfig?: string;
  /** `--context`: a context name instead of `current-context`. */
  context?: string;
  /** `--namespace`: overrides the context's namespace. */
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Where a pod's service-account token, CA and namespace live. */
  serviceAccountDir?: string;
}

export interface LoadedKubeconfig {
  kc: KubeConfig;
  /** The context in use (`in-cluster` inside a pod). */
  context: string;
  /** The server URL, for messages. */
  server: string;
  /** The namespace objects without one go to. */
  namespace: string;
  /** Where the configuration came from, for messages. */
  source: string;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

interface Layer {
  file: string;
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
}

/**
 * Merges kubeconfig files the way kubectl does: files are read in KUBECONFIG
 * order, missing ones are skipped, the first file that defines a cluster, user
 * or context by name wins, and so does the first `current-context`.
 */
export function mergeKubeconfigs(layers: Layer[]): Omit<Layer, "file"> {
  const pick = <T extends { name: string }>(all: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of all) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  return {
    clusters: pick(layers.map((l) => l.clusters)),
    users: pick(layers.map((l) => l.users)),
    contexts: pick(layers.map((l) => l.contexts)),
    currentContext: layers.find((l) => l.currentContext)?.currentContext ?? "",
  };
}

function readLayer(file: string): Layer {
  const kc = new KubeConfig();
  try {
    // loadFromFile resolves relative certificate and token paths against the file's directory.
    kc.loadFromFile(file);
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig: ${(err as Error).message}`, {
      location: { file },
      cause: err,
    });
  }
  return {
    file,
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  };
}

/**
 * Loads the Kubernetes client configuration like kubectl: `--kubeconfig`, else
 * the files in KUBECONFIG (merged), else ~/.kube/config, else the pod's
 * service account when running in a cluster; then `--context` and `--namespace`.
 */
export function loadKubeconfig(opts: KubeconfigOptions = {}): LoadedKubeconfig {
  const env = opts.env ?? process.env;
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let files: string[];
  let source: string;
  if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig))
      throw new KubeconfigError("the kubeconfig file does not exist", {
        location: { file: opts.kubeconfig },
      });
    files = [opts.kubeconfig];
    source = opts.kubeconfig;
  } else if (env.KUBECONFIG) {
    files = env.KUBECONFIG.split(delimiter).filter((f) => f !== "" && existsSync(f));
    source = `KUBECONFIG=${env.KUBECONFIG}`;
  } else {
    const home = join(opts.home ?? env.HOME ?? homedir(), ".kube", "config");
    files = existsSync(home) ? [home] : [];
    source = home;
  }

  if (files.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, "token"))) return inCluster(env, saDir, opts);
    throw new KubeconfigError(
      `no kubeconfig found (looked at ${source}) and not running inside a cluster; pass --kubeconfig or set KUBECONFIG`,
    );
  }

  const merged = mergeKubeconfigs(files.map(readLayer));
  const contextName = opts.context ?? merged.currentContext;
  if (!contextName)
    throw new KubeconfigError(`no current-context is set in ${source}; pass --context`, {
      location: { file: files[0] as string },
    });
  const context = merged.contexts.find((c) => c.name === contextName);
  if (!context)
    throw new KubeconfigError(
      `context "${contextName}" is not defined in ${source} (contexts: ${merged.contexts.map((c) => c.name).join(", ") || "none"})`,
    );
  const cluster = merged.clusters.find((c) => c.name === context.cluster);
  if (!cluster)
    throw new KubeconfigError(
      `context "${contextName}" names cluster "${context.cluster}", which is not defined in ${source}`,
    );
  if (context.user && !merged.users.some((u) => u.name === context.user))
    throw new KubeconfigError(
      `context "${contextName}" names user "${context.user}", which is not defined in ${source}`,
    );

  const kc = new KubeConfig();
  kc.loadFromOptions({ ...merged, currentContext: contextName });
  return {
    kc,
    context: contextName,
    server: cluster.server,
    namespace: opts.namespace ?? context.namespace ?? "default",
    source,
  };
}

function inCluster(env: NodeJS.ProcessEnv, saDir: string, opts: KubeconfigOptions): LoadedKubeconfig {
  const host = env.KUBERNETES_SERVICE_HOST as string;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "in-cluster", server, caFile: join(saDir, "ca.crt"), skipTLSVerify: false }],
    // The token file is re-read on each request: projected tokens rotate.
    users: [
      {
        name: "in-cluster",
        authProvider: { name: "tokenFile", config: { tokenFile: join(saDir, "token") } },
      },
    ],
    contexts: [{ name: "in-cluster", cluster: "in-cluster", user: "in-cluster" }],
    currentContext: "in-cluster",
  });
  let namespace = opts.namespace;
  if (!namespace) {
    try {
      namespace = readFileSync(join(saDir, "namespace"), "utf8").trim();
    } catch {
      namespace = "default";
    }
  }
  return { kc, context: "in-cluster", server, namespace, source: saDir };
}
