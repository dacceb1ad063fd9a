import { type Cluster, DEFAULT_KAFKA_VERSION, KilnError, type Listener, type Peer } from "@kiln/schemas";
import type { Labels, NetworkPolicyPeer } from "../wire/k8s.js";
import {
  DEFAULT_LISTENER,
  DEFAULT_POOLS,
  defaultMetadataVersion,
  MANAGED_BY,
  ZONE_TOPOLOGY_KEY,
} from "./defaults.js";

/**
 * A renderer's refusal of input that `checkCluster` should have rejected: a user's mistake, so a
 * KilnError, located in the Cluster file when the caller names it (`RenderOptions.file`).
 */
export class RenderError extends KilnError {}

export type ResolvedListener = Listener & { port: number; tls: boolean; authType: string };

/** The cluster with every default applied: renderers read this, never raw optional fields. */
export interface Ctx {
  cluster: Cluster;
  name: string;
  namespace: string;
  version: string;
  metadataVersion: string;
  listeners: ResolvedListener[];
  pools: NonNullable<Cluster["nodePools"]>;
  /** Zone topology key when zones are declared. */
  zoneKey: string | undefined;
  fips: boolean;
  labels: Labels;
}

const PORTS_BY_ORDER = [9093, 9094, 9095, 9096, 9097, 9098];

/** Listener types reachable only from inside the Kubernetes cluster. */
export const INTERNAL_LISTENER_TYPES: readonly string[] = ["internal", "cluster-ip"];

/**
 * Every pod of the listener's namespace. Strimzi writes a listener without
 * `networkPolicyPeers` as a rule with no `from` (open to every namespace), so an
 * internal listener the file gives no peers gets this one.
 */
export const SAME_NAMESPACE_PEER: Peer = { podSelector: {} };

export function resolve(cluster: Cluster): Ctx {
  const declared = cluster.listeners ?? [DEFAULT_LISTENER as unknown as Listener];
  const listeners = declared.map((l, i) => ({
    ...l,
    ...(!l.peers?.length && INTERNAL_LISTENER_TYPES.includes(l.type) ? { peers: [SAME_NAMESPACE_PEER] } : {}),
    port: l.port ?? PORTS_BY_ORDER[i] ?? 9093 + i,
    tls: l.tls ?? true,
    authType: l.authentication?.type ?? "tls",
  }));
  const version = cluster.kafka.version ?? DEFAULT_KAFKA_VERSION;
  const zones = cluster.placement?.zones;
  const key = cluster.placement?.topologyKey;
  return {
    cluster,
    name: cluster.name,
    namespace: cluster.namespace,
    version,
    metadataVersion: cluster.kafka.metadataVersion ?? defaultMetadataVersion(version),
    listeners,
    pools:
      cluster.nodePools ?? (structuredClone(DEFAULT_POOLS) as unknown as NonNullable<Cluster["nodePools"]>),
    zoneKey:
      zones && zones.length > 0 ? (key === undefined ? ZONE_TOPOLOGY_KEY : (key ?? undefined)) : undefined,
    fips: cluster.fips ?? false,
    labels: { ...MANAGED_BY, "app.kubernetes.io/part-of": cluster.name },
  };
}

export function meta(ctx: Ctx, name: string, extra: Labels = {}) {
  return { name, namespace: ctx.namespace, labels: { ...ctx.labels, ...extra } };
}

/** Labels that bind a Strimzi resource to the Kafka cluster (or Connect cluster). */
export function strimziCluster(name: string): Labels {
  return { "strimzi.io/cluster": name };
}

/** The listener in-cluster clients (Connect, MirrorMaker 2) use: internal, TLS, authenticated by certificate or SCRAM. */
export function clientListener(ctx: Ctx, wanted?: string): ResolvedListener {
  if (wanted) {
    const l = ctx.listeners.find((x) => x.name === wanted);
    if (!l) throw new RenderError(`listener ${wanted} is not declared`);
    return l;
  }
  const internal = ["cluster-ip", "internal", "internal-loadbalancer"];
  const good = (l: ResolvedListener) => l.tls && (l.authType === "tls" || l.authType === "scram-sha-512");
  const l =
    ctx.listeners.find((x) => internal.includes(x.type) && good(x)) ??
    ctx.listeners.find(good) ??
    ctx.listeners[0];
  if (!l) throw new RenderError("the cluster declares no listener");
  return l;
}

/**
 * The in-cluster bootstrap address of a listener. Strimzi's `<cluster>-kafka-bootstrap` Service
 * exposes only listeners of type `internal`; every other type gets its own
 * `<cluster>-kafka-<listener>-bootstrap` Service (a ClusterIP one for `cluster-ip`).
 */
export function bootstrap(ctx: Ctx, l: ResolvedListener): string {
  const service =
    l.type === "internal" ? `${ctx.name}-kafka-bootstrap` : `${ctx.name}-kafka-${l.name}-bootstrap`;
  return `${service}.${ctx.namespace}.svc:${l.port}`;
}

export function clusterCaCert(clusterName: string) {
  return { secretName: `${clusterName}-cluster-ca-cert`, certificate: "ca.crt" };
}

/** Client authentication for a KafkaUser's Secret as Strimzi's User Operator writes it. */
export function clientAuth(type: "tls" | "scram-sha-512", user: string, secretName = user) {
  return type === "tls"
    ? ({ type: "tls", certificateAndKey: { secretName, certificate: "user.crt", key: "user.key" } } as const)
    : ({
        type: "scram-sha-512",
        username: user,
        passwordSecret: { secretName, password: "password" },
      } as const);
}

export function sortedObject<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Drops undefined values (generated index signatures allow them; the wire never carries them). */
export function defined<T>(r: Record<string, T | undefined> | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(r ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** A NetworkPolicy peer as the wire carries it. */
export function peer(p: Peer): NetworkPolicyPeer {
  const sel = (s: { matchLabels?: Record<string, string | undefined> } | undefined) =>
    s ? (s.matchLabels ? { matchLabels: defined(s.matchLabels) } : {}) : undefined;
  const out: NetworkPolicyPeer = {};
  const ns = sel(p.namespaceSelector);
  const pod = sel(p.podSelector);
  if (ns) out.namespaceSelector = ns;
  if (pod) out.podSelector = pod;
  if (p.ipBlock)
    out.ipBlock = { cidr: p.ipBlock.cidr, ...(p.ipBlock.except ? { except: [...p.ipBlock.except] } : {}) };
  return out;
}
