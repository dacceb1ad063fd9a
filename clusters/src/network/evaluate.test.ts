// The evaluator against the examples of the Kubernetes documentation's "Network Policies"
// page (concepts/services-networking/network-policies), each with the outcome the page states.
import { describe, expect, it } from "vitest";
import { addressIn, inCidr } from "./cidr.js";
import { type Endpoint, evaluate, type Policy, type PolicyPeer } from "./evaluate.js";

function pod(
  namespace: string,
  labels: Record<string, string> = {},
  extra: Partial<Endpoint> = {},
): Endpoint {
  return {
    pod: { namespace, labels, namespaceLabels: { "kubernetes.io/metadata.name": namespace } },
    ...extra,
  };
}
const inNamespace = (e: Endpoint, namespaceLabels: Record<string, string>): Endpoint =>
  e.pod ? { ...e, pod: { ...e.pod, namespaceLabels: { ...e.pod.namespaceLabels, ...namespaceLabels } } } : e;
const external = (ip: string): Endpoint => ({ ip });

const policy = (name: string, spec: Policy["spec"], namespace = "default"): Policy => ({
  metadata: { name, namespace },
  spec,
});

// "test-network-policy", the page's main example.
const TEST_NETWORK_POLICY = policy("test-network-policy", {
  podSelector: { matchLabels: { role: "db" } },
  policyTypes: ["Ingress", "Egress"],
  ingress: [
    {
      from: [
        { ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } },
        { namespaceSelector: { matchLabels: { project: "myproject" } } },
        { podSelector: { matchLabels: { role: "frontend" } } },
      ],
      ports: [{ protocol: "TCP", port: 6379 }],
    },
  ],
  egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 5978 }] }],
});
const db = pod("default", { role: "db" }, { ip: "192.168.5.5" });

// "Behavior of to and from selectors": one element with both selectors (AND) vs two elements (OR).
const aliceClients = (peers: PolicyPeer[]) =>
  policy("alice", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: peers }] });
const AND: PolicyPeer[] = [
  { namespaceSelector: { matchLabels: { user: "alice" } }, podSelector: { matchLabels: { role: "client" } } },
];
const OR: PolicyPeer[] = [
  { namespaceSelector: { matchLabels: { user: "alice" } } },
  { podSelector: { matchLabels: { role: "client" } } },
];

const DENY_INGRESS = policy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const ALLOW_INGRESS = policy("allow-all-ingress", {
  podSelector: {},
  ingress: [{}],
  policyTypes: ["Ingress"],
});
const DENY_EGRESS = policy("default-deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
const ALLOW_EGRESS = policy("allow-all-egress", { podSelector: {}, egress: [{}], policyTypes: ["Egress"] });
const DENY_ALL = policy("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
// "Targeting a range of ports".
const MULTI_PORT_EGRESS = policy("multi-port-egress", {
  podSelector: { matchLabels: { role: "db" } },
  policyTypes: ["Egress"],
  egress: [
    { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] },
  ],
});
// "Targeting a Namespace by its name", and a set-based namespace selector.
const BY_NAME = policy("by-name", {
  podSelector: {},
  policyTypes: ["Ingress"],
  ingress: [
    { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "frontend" } } }] },
  ],
});
const NOT_IN = policy("not-in", {
  podSelector: {},
  policyTypes: ["Ingress"],
  ingress: [
    {
      from: [
        {
          namespaceSelector: {
            matchExpressions: [
              { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["delta", "kappa"] },
            ],
          },
        },
      ],
    },
  ],
});
const NAMED_PORT = policy("named-port", {
  podSelector: { matchLabels: { app: "web" } },
  ingress: [{ ports: [{ port: "http" }] }],
});

const web = pod("default", { app: "web" }, { namedPorts: { http: 8080 } });

interface Case {
  name: string;
  policies: Policy[];
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: string;
  allowed: boolean;
}

const CASES: Case[] = [
  {
    name: "no policy: every pod is non-isolated",
    policies: [],
    from: pod("x"),
    to: db,
    port: 1,
    allowed: true,
  },
  {
    name: "test-network-policy: a role=frontend pod of default reaches role=db on TCP 6379",
    policies: [TEST_NETWORK_POLICY],
    from: pod("default", { role: "frontend" }),
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: "test-network-policy: …but not on another port",
    policies: [TEST_NETWORK_POLICY],
    from: pod("default", { role: "frontend" }),
    to: db,
    port: 6380,
    allowed: false,
  },
  {
    name: "test-network-policy: …nor over UDP",
    policies: [TEST_NETWORK_POLICY],
    from: pod("default", { role: "frontend" }),
    to: db,
    port: 6379,
    protocol: "UDP",
    allowed: false,
  },
  {
    name: "test-network-policy: a role=frontend pod of another namespace is not admitted",
    policies: [TEST_NETWORK_POLICY],
    from: pod("other", { role: "frontend" }),
    to: db,
    port: 6379,
    allowed: false,
  },
  {
    name: "test-network-policy: any pod of a namespace labelled project=myproject",
    policies: [TEST_NETWORK_POLICY],
    from: inNamespace(pod("myproject"), { project: "myproject" }),
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: "test-network-policy: 172.17.0.0–172.17.0.255 is admitted",
    policies: [TEST_NETWORK_POLICY],
    from: external("172.17.0.9"),
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: "test-network-policy: 172.17.1.0/24 is excepted",
    policies: [TEST_NETWORK_POLICY],
    from: external("172.17.1.9"),
    to: db,
    port: 6379,
    allowed: false,
  },
  {
    name: "test-network-policy: 172.17.2.0–172.17.255.255 is admitted",
    policies: [TEST_NETWORK_POLICY],
    from: external("172.17.200.1"),
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: "test-network-policy: pods other than role=db are not isolated",
    policies: [TEST_NETWORK_POLICY],
    from: pod("other"),
    to: pod("default", { role: "web" }),
    port: 80,
    allowed: true,
  },
  {
    name: "test-network-policy: role=db reaches 10.0.0.0/24 on TCP 5978",
    policies: [TEST_NETWORK_POLICY],
    from: db,
    to: external("10.0.0.7"),
    port: 5978,
    allowed: true,
  },
  {
    name: "test-network-policy: role=db is isolated for egress elsewhere",
    policies: [TEST_NETWORK_POLICY],
    from: db,
    to: external("10.0.1.7"),
    port: 5978,
    allowed: false,
  },
  {
    name: "and: a role=client pod in a user=alice namespace",
    policies: [aliceClients(AND)],
    from: inNamespace(pod("a", { role: "client" }), { user: "alice" }),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "and: any other pod in a user=alice namespace is refused",
    policies: [aliceClients(AND)],
    from: inNamespace(pod("a"), { user: "alice" }),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "and: a role=client pod of the policy's own namespace is refused",
    policies: [aliceClients(AND)],
    from: pod("default", { role: "client" }),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "or: any pod in a user=alice namespace",
    policies: [aliceClients(OR)],
    from: inNamespace(pod("a"), { user: "alice" }),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "or: a role=client pod of the policy's own namespace",
    policies: [aliceClients(OR)],
    from: pod("default", { role: "client" }),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "or: a role=client pod of another namespace is refused",
    policies: [aliceClients(OR)],
    from: pod("b", { role: "client" }),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "default deny all ingress",
    policies: [DENY_INGRESS],
    from: pod("default"),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "default deny all ingress: other namespaces are not affected",
    policies: [DENY_INGRESS],
    from: pod("default"),
    to: pod("other"),
    port: 80,
    allowed: true,
  },
  {
    name: "allow all ingress, even beside a default deny",
    policies: [DENY_INGRESS, ALLOW_INGRESS],
    from: external("203.0.113.1"),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "default deny all egress",
    policies: [DENY_EGRESS],
    from: pod("default"),
    to: pod("other"),
    port: 80,
    allowed: false,
  },
  {
    name: "allow all egress",
    policies: [DENY_EGRESS, ALLOW_EGRESS],
    from: pod("default"),
    to: external("198.51.100.1"),
    port: 443,
    allowed: true,
  },
  {
    name: "default deny all ingress and all egress: out",
    policies: [DENY_ALL],
    from: pod("default"),
    to: pod("other"),
    port: 80,
    allowed: false,
  },
  {
    name: "default deny all ingress and all egress: in",
    policies: [DENY_ALL],
    from: pod("other"),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "a range of ports: 32000 to 32768 inclusive",
    policies: [MULTI_PORT_EGRESS],
    from: db,
    to: external("10.0.0.1"),
    port: 32768,
    allowed: true,
  },
  {
    name: "a range of ports: one past the end",
    policies: [MULTI_PORT_EGRESS],
    from: db,
    to: external("10.0.0.1"),
    port: 32769,
    allowed: false,
  },
  {
    name: "a namespace by its name",
    policies: [BY_NAME],
    from: pod("frontend"),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "a namespace by its name: another is refused",
    policies: [BY_NAME],
    from: pod("backend"),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "NotIn namespace names",
    policies: [NOT_IN],
    from: pod("kappa"),
    to: pod("default"),
    port: 80,
    allowed: false,
  },
  {
    name: "NotIn namespace names: others",
    policies: [NOT_IN],
    from: pod("tau"),
    to: pod("default"),
    port: 80,
    allowed: true,
  },
  {
    name: "a named port resolves on the destination pod",
    policies: [NAMED_PORT],
    from: pod("x"),
    to: web,
    port: 8080,
    allowed: true,
  },
  {
    name: "a named port: another port is refused",
    policies: [NAMED_PORT],
    from: pod("x"),
    to: web,
    port: 9090,
    allowed: false,
  },
  {
    name: "ipBlock peers do not admit a pod without an address",
    policies: [TEST_NETWORK_POLICY],
    from: pod("x"),
    to: db,
    port: 6379,
    allowed: false,
  },
];

describe("NetworkPolicy evaluation (the Kubernetes documentation's examples)", () => {
  it.each(CASES)("$name", (c) => {
    const v = evaluate(c.policies, {
      from: c.from,
      to: c.to,
      port: c.port,
      ...(c.protocol ? { protocol: c.protocol } : {}),
    });
    expect(v.allowed).toBe(c.allowed);
  });

  it("names the policies that isolate the destination and those that admit the connection", () => {
    const v = evaluate([DENY_INGRESS, ALLOW_INGRESS, TEST_NETWORK_POLICY], {
      from: pod("x"),
      to: db,
      port: 6379,
    });
    expect(v.ingress).toStrictEqual({
      allowed: true,
      selectedBy: [
        "default/allow-all-ingress",
        "default/default-deny-ingress",
        "default/test-network-policy",
      ],
      allowedBy: ["default/allow-all-ingress"],
    });
    expect(v.egress.selectedBy).toStrictEqual([]);
  });
});

describe("CIDR blocks", () => {
  it.each([
    ["10.20.3.4", "10.20.0.0/16", true],
    ["10.21.0.0", "10.20.0.0/16", false],
    ["0.0.0.1", "0.0.0.0/0", true],
    ["2001:db8::1", "2001:db8::/32", true],
    ["2001:db9::1", "2001:db8::/32", false],
    ["::ffff:10.0.0.1", "::ffff:10.0.0.0/120", true],
    ["10.0.0.1", "::/0", false],
    ["10.0.0.256", "10.0.0.0/8", false],
  ])("%s in %s: %s", (ip, cidr, expected) => {
    expect(inCidr(ip, cidr)).toBe(expected);
  });
  it("picks an address inside a block", () => {
    expect(addressIn("10.30.0.0/16", 10)).toBe("10.30.0.10");
    expect(addressIn("203.0.113.0/24", 300)).toBe("203.0.113.44");
    expect(addressIn("2001:db8::/64", 1)).toBe("2001:db8:0:0:0:0:0:1");
  });
});
