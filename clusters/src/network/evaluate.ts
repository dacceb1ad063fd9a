// kiln's evaluator of the Kubernetes NetworkPolicy API (networking.k8s.io/v1), as the
// Kubernetes documentation defines it: policies are additive allow-lists; a pod is isolated
// for a direction once any policy of its namespace selects it for that direction; a
// connection needs egress from its source and ingress to its destination. Pure.
import { inCidr } from "./cidr.js";

export type Labels = Record<string, string>;

export interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

/** The NetworkPolicy fields the evaluator reads (the wire type kiln renders is a subset). */
export interface Policy {
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
    egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
  };
}

/** One side of a connection: a pod (namespace and labels), an address outside the cluster, or both. */
export interface Endpoint {
  pod?: { namespace: string; labels: Labels; namespaceLabels: Labels };
  ip?: string;
  /** The pod's named container ports, for policies that name a port. */
  namedPorts?: Record<string, number>;
}

export interface Traffic {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: string;
}

export interface DirectionVerdict {
  allowed: boolean;
  /** `namespace/name` of the policies that isolate the pod in this direction (empty: not isolated). */
  selectedBy: string[];
  /** The isolating policies with a rule that admits this connection. */
  allowedBy: string[];
}

export interface Verdict {
  allowed: boolean;
  ingress: DirectionVerdict;
  egress: DirectionVerdict;
}

export function selects(s: Selector | undefined, labels: Labels): boolean {
  if (!s) return true;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === "In"
        ? has && (e.values ?? []).includes(value as string)
        : e.operator === "NotIn"
          ? !has || !(e.values ?? []).includes(value as string)
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Policy types as the API server defaults them: Ingress, plus Egress when the policy has egress rules. */
export function policyTypes(p: Policy): string[] {
  return p.spec.policyTypes?.length
    ? p.spec.policyTypes
    : ["Ingress", ...(p.spec.egress !== undefined ? ["Egress"] : [])];
}

/** Whether a peer of a policy in `namespace` admits `e`. */
export function peerAdmits(peer: PolicyPeer, namespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) {
    if (e.ip === undefined || !inCidr(e.ip, peer.ipBlock.cidr)) return false;
    return !(peer.ipBlock.except ?? []).some((x) => inCidr(e.ip as string, x));
  }
  if (!e.pod) return false;
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, e.pod.namespaceLabels)) return false;
  } else if (e.pod.namespace !== namespace) return false;
  return selects(peer.podSelector, e.pod.labels);
}

function portAdmits(ports: PolicyPort[] | undefined, t: Traffic): boolean {
  if (!ports || ports.length === 0) return true;
  const protocol = t.protocol ?? "TCP";
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    const port = typeof p.port === "number" ? p.port : t.to.namedPorts?.[p.port];
    if (port === undefined) return false;
    return p.endPort !== undefined && typeof p.port === "number"
      ? t.port >= port && t.port <= p.endPort
      : t.port === port;
  });
}

const key = (p: Policy) => `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;

function direction(policies: Policy[], t: Traffic, ingress: boolean): DirectionVerdict {
  const self = ingress ? t.to : t.from;
  const other = ingress ? t.from : t.to;
  const pod = self.pod;
  if (!pod) return { allowed: true, selectedBy: [], allowedBy: [] };
  const selecting = policies.filter(
    (p) =>
      (p.metadata.namespace ?? "default") === pod.namespace &&
      policyTypes(p).includes(ingress ? "Ingress" : "Egress") &&
      selects(p.spec.podSelector, pod.labels),
  );
  const allowedBy = selecting.filter((p) =>
    (ingress ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])).some((rule) => {
      const peers = "from" in rule ? rule.from : "to" in rule ? rule.to : undefined;
      const peerOk = !peers || peers.length === 0 || peers.some((x) => peerAdmits(x, pod.namespace, other));
      return peerOk && portAdmits(rule.ports, t);
    }),
  );
  return {
    allowed: selecting.length === 0 || allowedBy.length > 0,
    selectedBy: selecting.map(key).sort(),
    allowedBy: allowedBy.map(key).sort(),
  };
}

/** Whether `policies` let `t` through: egress from its source and ingress to its destination. */
export function evaluate(policies: Policy[], t: Traffic): Verdict {
  const egress = direction(policies, t, false);
  const ingress = direction(policies, t, true);
  return { allowed: egress.allowed && ingress.allowed, ingress, egress };
}
