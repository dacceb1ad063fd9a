// The connectivity model of a rendered cluster: the pods it runs (with the labels Strimzi
// gives them), the clients its Cluster file names, the flows it needs and the flows it
// must refuse, each evaluated over kiln's NetworkPolicies plus Strimzi's (./strimzi.ts). Pure.
import type { DisasterRecovery } from "@kiln/schemas";
import { type Ctx, clientListener, peer, type ResolvedListener } from "../render/context.js";
import { DEFAULT_PROMETHEUS_NAMESPACE, NAMESPACE_NAME_LABEL, PORTS } from "../render/defaults.js";
import { isTarget } from "../render/mirrormaker2.js";
import type { Kafka, KafkaConnect, KafkaMirrorMaker2 } from "../wire/strimzi.js";
import { addressIn } from "./cidr.js";
import {
  type Endpoint,
  evaluate,
  type Labels,
  type Policy,
  type PolicyPeer,
  peerAdmits,
} from "./evaluate.js";
import {
  CRUISE_CONTROL_REST_PORT,
  connectPolicy,
  connectSelector,
  cruiseControlPolicy,
  cruiseControlSelector,
  kafkaPolicy,
  kafkaSelector,
  mirrorMakerPolicy,
  mirrorMakerSelector,
} from "./strimzi.js";

/** Where the model puts the Strimzi Cluster Operator: a namespace of its own. */
export const OPERATOR_NAMESPACE = "strimzi";
/** A pod of a namespace nothing names, and an address outside every range a file names (TEST-NET-1). */
export const STRANGER_NAMESPACE = "kiln-stranger";
export const OUTSIDE_ADDRESS = "192.0.2.10";
/** Where a listener open to anyone is reached from when it declares no source range (TEST-NET-2). */
export const ANYWHERE_ADDRESS = "198.51.100.10";

export interface Workload extends Endpoint {
  /** Short, stable name shown in the matrix. */
  name: string;
}

export interface Flow {
  from: Workload;
  to: Workload;
  port: number;
  expect: "allow" | "deny";
  /** Why the flow is required or forbidden. */
  why: string;
  /** The Cluster file setting that decides it, when one does. */
  setting?: string;
}

export interface FlowResult {
  from: string;
  to: string;
  port: number;
  expect: "allow" | "deny";
  actual: "allow" | "deny";
  why: string;
  /** `namespace/name` of the NetworkPolicies selecting the destination (ingress). */
  policies: string[];
  /** For a flow that is not as expected: what to change. */
  problem?: string;
}

export interface ConnectivityMatrix {
  cluster: string;
  namespace: string;
  /** Every NetworkPolicy evaluated: `namespace/name` and who writes it. */
  policies: { name: string; writtenBy: "kiln" | "strimzi" }[];
  flows: FlowResult[];
  /** Flows the model could not evaluate from this file alone, and why. */
  notes: string[];
}

const nsLabels = (ns: string): Labels => ({ [NAMESPACE_NAME_LABEL]: ns });

function pod(name: string, namespace: string, labels: Labels, ip?: string): Workload {
  return { name, pod: { namespace, labels, namespaceLabels: nsLabels(namespace) }, ...(ip ? { ip } : {}) };
}

/** A client a NetworkPolicy peer admits: a pod matching its selectors, or an address inside its block. */
export function representative(p: PolicyPeer, namespace: string, name: string): Workload {
  if (p.ipBlock) {
    let ip: string | undefined;
    for (let i = 10; i < 10_000 && ip === undefined; i += 97) {
      const candidate = addressIn(p.ipBlock.cidr, i);
      if (candidate && peerAdmits(p, namespace, { ip: candidate })) ip = candidate;
    }
    return { name: `${ip ?? p.ipBlock.cidr} (${name})`, ...(ip ? { ip } : {}) };
  }
  const nsMatch = p.namespaceSelector?.matchLabels ?? {};
  const ns = p.namespaceSelector ? (nsMatch[NAMESPACE_NAME_LABEL] ?? `${name}-namespace`) : namespace;
  const labels = { ...(p.podSelector?.matchLabels ?? {}) };
  return {
    name: `${name} (namespace ${ns})`,
    pod: { namespace: ns, labels, namespaceLabels: { ...nsLabels(ns), ...nsMatch } },
  };
}

interface Rendered {
  ctx: Ctx;
  kafka: Kafka;
  connects: KafkaConnect[];
  mirrorMakers: KafkaMirrorMaker2[];
  /** kiln's own NetworkPolicies. */
  policies: Policy[];
}

function brokerPools(r: Rendered): Workload[] {
  return r.ctx.pools.filter((p) => p.roles.includes("broker")).map((p) => poolPod(r, p.name, p.roles));
}

function poolPod(r: Rendered, pool: string, roles: readonly string[]): Workload {
  const labels: Labels = { ...kafkaSelector(r.ctx.name), "strimzi.io/pool-name": pool };
  for (const role of roles) labels[`strimzi.io/${role}-role`] = "true";
  return pod(`${r.ctx.name}-${pool}`, r.ctx.namespace, labels);
}

function egressAddress(ctx: Ctx, offset: number): string | undefined {
  const cidr = ctx.cluster.network?.egressCidrs?.[0];
  return cidr ? addressIn(cidr, offset) : undefined;
}

/** The pods of the rendered cluster and the fixed parties around it. */
function parties(r: Rendered) {
  const ns = r.ctx.namespace;
  const monitoring = r.ctx.cluster.monitoring;
  const prometheusNamespace = monitoring?.prometheusNamespace ?? DEFAULT_PROMETHEUS_NAMESPACE;
  return {
    operator: pod("Strimzi operator", OPERATOR_NAMESPACE, { "strimzi.io/kind": "cluster-operator" }),
    prometheus:
      monitoring?.enabled === false
        ? undefined
        : pod(`Prometheus (namespace ${prometheusNamespace})`, prometheusNamespace, {
            "app.kubernetes.io/name": "prometheus",
          }),
    stranger: pod(
      `a pod of namespace ${STRANGER_NAMESPACE}`,
      STRANGER_NAMESPACE,
      { app: "stranger" },
      OUTSIDE_ADDRESS,
    ),
    outside: { name: `${OUTSIDE_ADDRESS} (outside every declared range)`, ip: OUTSIDE_ADDRESS } as Workload,
    entityOperator: pod(`${r.ctx.name}-entity-operator`, ns, {
      ...kafkaSelector(r.ctx.name),
      "strimzi.io/name": `${r.ctx.name}-entity-operator`,
    }),
    exporter:
      monitoring?.enabled === false
        ? undefined
        : pod(`${r.ctx.name}-kafka-exporter`, ns, {
            ...kafkaSelector(r.ctx.name),
            "strimzi.io/name": `${r.ctx.name}-kafka-exporter`,
          }),
    cruiseControl: r.kafka.spec.cruiseControl
      ? pod(`${r.ctx.name}-cruise-control`, ns, cruiseControlSelector(r.ctx.name))
      : undefined,
    connects: r.connects.map((c) => ({
      spec: c,
      pod: pod(`${c.metadata.name}-connect`, ns, connectSelector(c.metadata.name)),
    })),
    mirrorMakers: r.mirrorMakers.map((m) => ({
      spec: m,
      pod: pod(
        `${m.metadata.name}-mirrormaker2`,
        ns,
        mirrorMakerSelector(m.metadata.name),
        egressAddress(r.ctx, 20),
      ),
    })),
  };
}

const listenerSetting = (l: ResolvedListener) => `listeners[${l.name}].peers`;

function flows(r: Rendered): Flow[] {
  const out: Flow[] = [];
  const p = parties(r);
  const ns = r.ctx.namespace;
  const brokers = brokerPools(r);
  const pools = r.ctx.pools.map((x) => poolPod(r, x.name, x.roles));
  const controllers = r.ctx.pools
    .filter((x) => x.roles.includes("controller"))
    .map((x) => poolPod(r, x.name, x.roles));
  const allow = (from: Workload, to: Workload, port: number, why: string, setting?: string) =>
    out.push({ from, to, port, expect: "allow", why, ...(setting ? { setting } : {}) });
  const deny = (from: Workload, to: Workload, port: number, why: string, setting?: string) =>
    out.push({ from, to, port, expect: "deny", why, ...(setting ? { setting } : {}) });

  // Brokers and controllers among themselves; the operator and Strimzi's helpers to them.
  for (const from of pools)
    for (const to of controllers)
      allow(from, to, PORTS.controlPlane, "KRaft: every node reaches the controllers");
  for (const from of brokers)
    for (const to of brokers) allow(from, to, PORTS.replication, "replication between brokers");
  for (const to of pools) {
    for (const port of [PORTS.controlPlane, PORTS.replication, PORTS.agent])
      allow(p.operator, to, port, "the operator manages and rolls the nodes");
    for (const port of [PORTS.controlPlane, PORTS.replication, PORTS.agent])
      deny(p.stranger, to, port, "Strimzi's internal ports are for the cluster and the operator only");
    if (p.prometheus) allow(p.prometheus, to, PORTS.metrics, "Prometheus scrapes every metrics port");
  }
  for (const to of brokers) {
    allow(p.entityOperator, to, PORTS.replication, "the Topic and User Operators");
    if (p.exporter) allow(p.exporter, to, PORTS.replication, "Kafka Exporter reads offsets and lag");
  }
  if (p.exporter && p.prometheus)
    allow(p.prometheus, p.exporter, PORTS.metrics, "Prometheus scrapes Kafka Exporter");
  if (p.cruiseControl) {
    const cc = p.cruiseControl;
    for (const to of brokers)
      allow(cc, to, PORTS.replication, "Cruise Control samples load and moves partitions", "scaling");
    allow(
      p.operator,
      cc,
      CRUISE_CONTROL_REST_PORT,
      "the operator drives rebalances through Cruise Control's REST API",
    );
    deny(p.stranger, cc, CRUISE_CONTROL_REST_PORT, "only the operator may start or stop rebalances");
    if (p.prometheus) allow(p.prometheus, cc, PORTS.metrics, "Prometheus scrapes Cruise Control");
  }

  // Clients to their listener, per the listener's peers; nobody else where peers restrict it.
  for (const l of r.ctx.listeners) {
    // What the file means (declared peers, or the namespace for an internal listener), not what was rendered.
    const peers = (l.peers ?? []).map(peer) as PolicyPeer[];
    const clients =
      peers.length > 0
        ? peers.map((x, i) => representative(x, ns, `listener ${l.name} peer ${i + 1}`))
        : [
            {
              name: `${addressIn(l.sourceRanges?.[0] ?? "", 10) ?? ANYWHERE_ADDRESS} (anyone, listener ${l.name})`,
              ip: addressIn(l.sourceRanges?.[0] ?? "", 10) ?? ANYWHERE_ADDRESS,
            },
          ];
    for (const to of brokers) {
      for (const c of clients) allow(c, to, l.port, `a client listener ${l.name} admits`, listenerSetting(l));
      if (peers.length === 0) continue;
      for (const stranger of [p.stranger, p.outside])
        if (!peers.some((x) => peerAdmits(x, ns, stranger)))
          deny(stranger, to, l.port, `listener ${l.name} admits only its peers`, listenerSetting(l));
    }
  }

  // Connect: workers to their listener and to each other, the operator, deployers, Prometheus.
  const spec = r.ctx.cluster.connect ?? [];
  for (const c of p.connects) {
    const name = c.spec.metadata.name;
    const def = spec.find((x) => x.name === name);
    const l = clientListener(r.ctx, def?.listener);
    for (const to of brokers)
      allow(c.pod, to, l.port, `Connect ${name} reaches its listener ${l.name}`, listenerSetting(l));
    allow(c.pod, c.pod, PORTS.rest, "followers forward REST requests to the leader");
    allow(p.operator, c.pod, PORTS.rest, "the operator uses the Connect REST API");
    const restPeers = (def?.restPeers ?? []).map(peer) as PolicyPeer[];
    restPeers.forEach((x, i) => {
      allow(
        representative(x, ns, `connect ${name} restPeer ${i + 1}`),
        c.pod,
        PORTS.rest,
        "restPeers deploy connectors",
        `connect[${name}].restPeers`,
      );
    });
    if (p.prometheus)
      allow(
        p.prometheus,
        c.pod,
        PORTS.metrics,
        "Prometheus scrapes every metrics port",
        "monitoring.prometheusNamespace",
      );
    const others = [
      ...p.connects.filter((o) => o !== c).map((o) => o.pod),
      ...p.mirrorMakers.map((m) => m.pod),
      p.stranger,
    ];
    for (const o of others)
      if (!restPeers.some((x) => peerAdmits(x, ns, o)))
        deny(
          o,
          c.pod,
          PORTS.rest,
          `only ${name}'s workers, the operator and restPeers reach its REST API`,
          `connect[${name}].restPeers`,
        );
  }

  // MirrorMaker 2: to the local (target) cluster, among its workers, the operator, Prometheus.
  const local = clientListener(r.ctx);
  for (const m of p.mirrorMakers) {
    for (const to of brokers)
      allow(
        m.pod,
        to,
        local.port,
        `MirrorMaker 2 writes to ${r.ctx.name} through listener ${local.name}`,
        listenerSetting(local),
      );
    allow(m.pod, m.pod, PORTS.rest, "MirrorMaker 2 workers forward REST requests to the leader");
    allow(p.operator, m.pod, PORTS.rest, "the operator manages the MirrorMaker 2 connectors");
    if (p.prometheus) allow(p.prometheus, m.pod, PORTS.metrics, "Prometheus scrapes every metrics port");
    for (const o of [...p.connects.map((c) => c.pod), p.stranger])
      deny(o, m.pod, PORTS.rest, "only MirrorMaker 2's workers and the operator reach its REST API");
  }
  return out;
}

function policiesOf(r: Rendered): { policies: Policy[]; written: ConnectivityMatrix["policies"] } {
  const strimzi = [
    kafkaPolicy(r.kafka),
    ...[cruiseControlPolicy(r.kafka)].filter((x): x is Policy => x !== undefined),
    ...r.connects.flatMap((c) => connectPolicy(c) ?? []),
    ...r.mirrorMakers.map(mirrorMakerPolicy),
  ];
  const name = (x: Policy) => `${x.metadata.namespace ?? "default"}/${x.metadata.name}`;
  return {
    policies: [...r.policies, ...strimzi],
    written: [
      ...r.policies.map((x) => ({ name: name(x), writtenBy: "kiln" as const })),
      ...strimzi.map((x) => ({ name: name(x), writtenBy: "strimzi" as const })),
    ].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function result(f: Flow, policies: Policy[], written: ConnectivityMatrix["policies"]): FlowResult {
  const v = evaluate(policies, { from: f.from, to: f.to, port: f.port });
  const actual = v.allowed ? "allow" : "deny";
  const out: FlowResult = {
    from: f.from.name,
    to: f.to.name,
    port: f.port,
    expect: f.expect,
    actual,
    why: f.why,
    policies: v.ingress.selectedBy,
  };
  if (actual === f.expect) return out;
  const who = (n: string) =>
    `${n} (${written.find((w) => w.name === n)?.writtenBy === "strimzi" ? "Strimzi's" : "kiln's"})`;
  const setting = f.setting ? `; change ${f.setting}` : "";
  out.problem =
    f.expect === "allow"
      ? `required flow ${f.from.name} → ${f.to.name}:${f.port} (${f.why}) is blocked by NetworkPolicy ${(v
          .ingress.allowed
          ? v.egress.selectedBy
          : v.ingress.selectedBy
        )
          .map(who)
          .join(", ")}${setting}`
      : v.ingress.selectedBy.length === 0
        ? `forbidden flow ${f.from.name} → ${f.to.name}:${f.port} is open: no NetworkPolicy selects ${f.to.name} (${f.why})${setting}`
        : `forbidden flow ${f.from.name} → ${f.to.name}:${f.port} is open through NetworkPolicy ${v.ingress.allowedBy
            .map(who)
            .join(", ")} (${f.why})${setting}`;
  return out;
}

function rendered(ctx: Ctx, objects: readonly { kind: string }[]): Rendered {
  const kafka = objects.find((o) => o.kind === "Kafka") as Kafka | undefined;
  if (!kafka) throw new Error("the rendered objects hold no Kafka");
  return {
    ctx,
    kafka,
    connects: objects.filter((o) => o.kind === "KafkaConnect") as KafkaConnect[],
    mirrorMakers: objects.filter((o) => o.kind === "KafkaMirrorMaker2") as KafkaMirrorMaker2[],
    policies: objects.filter((o) => o.kind === "NetworkPolicy") as unknown as Policy[],
  };
}

export interface RenderedCluster {
  ctx: Ctx;
  objects: readonly { kind: string }[];
}

/** The policies and flows of one rendered cluster, before evaluation (for an independent evaluator). */
export function model(self: RenderedCluster): { policies: Policy[]; flows: Flow[] } {
  const r = rendered(self.ctx, self.objects);
  return { policies: policiesOf(r).policies, flows: flows(r) };
}

/**
 * The connectivity matrix of one rendered cluster; with its DR peer rendered too, also
 * MirrorMaker 2 across the pair (each side's MirrorMaker 2 to the other's listener).
 */
export function connectivity(self: RenderedCluster, peers: RenderedCluster[] = []): ConnectivityMatrix {
  const { ctx } = self;
  const r = rendered(ctx, self.objects);
  const { policies, written } = policiesOf(r);
  const dr = ctx.cluster.disasterRecovery;
  const partner = dr ? peers.find((x) => x.ctx.name === dr.peer.name) : undefined;
  const notes =
    dr && !partner
      ? [
          `MirrorMaker 2 between ${ctx.name} and ${dr.peer.name} is checked against both sides' policies only when both Cluster files are rendered together (kiln build, or kiln render --peer)`,
        ]
      : [];
  const pair = partner ? [...mirrorSourceFlows(self, partner), ...mirrorSourceFlows(partner, self)] : [];
  return {
    cluster: ctx.name,
    namespace: ctx.namespace,
    policies: written,
    flows: [...flows(r).map((f) => result(f, policies, written)), ...pair],
    notes,
  };
}

/** Every flow that is not as the model expects. */
export function problems(m: ConnectivityMatrix): string[] {
  return m.flows.flatMap((f) => (f.problem ? [f.problem] : []));
}

/**
 * MirrorMaker 2 of `target` (beside it) to the listener of `source` its bootstrap address names,
 * evaluated over `source`'s policies: the leg one file cannot see.
 */
function mirrorSourceFlows(target: RenderedCluster, source: RenderedCluster): FlowResult[] {
  const dr: DisasterRecovery | undefined = target.ctx.cluster.disasterRecovery;
  if (!dr || !isTarget(dr) || dr.peer.name !== source.ctx.name) return [];
  const t = rendered(target.ctx, target.objects);
  const s = rendered(source.ctx, source.objects);
  const { policies, written } = policiesOf(s);
  const ports = dr.peer.bootstrapServers.split(",").map((hp) => Number(hp.slice(hp.lastIndexOf(":") + 1)));
  const listener = source.ctx.listeners.find((l) => ports.includes(l.port));
  const m = t.mirrorMakers[0];
  if (!m) return [];
  const ip = egressAddress(target.ctx, 20);
  const from: Workload = {
    name: `${m.metadata.name}-mirrormaker2 (${ip ?? "no network.egressCidrs"})`,
    ...(ip ? { ip } : {}),
  };
  const why = `MirrorMaker 2 reads ${source.ctx.name} through ${dr.peer.bootstrapServers}`;
  if (!listener)
    return [
      {
        from: from.name,
        to: source.ctx.name,
        port: ports[0] ?? 0,
        expect: "allow",
        actual: "deny",
        why,
        policies: [],
        problem: `${target.ctx.name}: disasterRecovery.peer.bootstrapServers names port ${ports.join(",")}, which no listener of ${source.ctx.name} uses`,
      },
    ];
  return brokerPools(s).map((to) =>
    result(
      {
        from,
        to: { ...to, name: `${source.ctx.name}/${to.name}` },
        port: listener.port,
        expect: "allow",
        why,
        setting: `${source.ctx.name}: ${listenerSetting(listener)} (admit ${target.ctx.name}'s network.egressCidrs)`,
      },
      policies,
      written,
    ),
  );
}
