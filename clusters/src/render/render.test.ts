import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toFiles } from "../output.js";
import { exampleFiles, loadCluster, loadExample } from "../testing/examples.js";
import { renderCluster } from "./index.js";
import { patternToAclResources } from "./mirrormaker2.js";

const BASE = `apiVersion: kiln.dev/v1
kind: Cluster
name: c1
namespace: ns
kafka:
  version: 4.3.1
monitoring:
  enabled: false
`;
const render = (extra = "", options = {}) => renderCluster(loadCluster(BASE + extra).cluster, options);
const find = <K extends string>(r: ReturnType<typeof render>, kind: K, name?: string) =>
  r.items
    .map((i) => i.object)
    .find((o) => o.kind === kind && (name === undefined || o.metadata.name === name)) as
    | Extract<ReturnType<typeof render>["items"][number]["object"], { kind: K }>
    | undefined;

const OAUTH_FIXTURE = new URL("__fixtures__/oauth-keycloak-fips.yaml", import.meta.url);

const LABELS = { "app.kubernetes.io/managed-by": "kiln", "app.kubernetes.io/part-of": "c1" };

describe("renderCluster, minimal definition", () => {
  const r = render();
  it("renders Kafka with production defaults, one mTLS listener and simple authorization", () => {
    expect(find(r, "Kafka")).toStrictEqual({
      apiVersion: "kafka.strimzi.io/v1",
      kind: "Kafka",
      metadata: { name: "c1", namespace: "ns", labels: LABELS },
      spec: {
        kafka: {
          version: "4.3.1",
          metadataVersion: "4.3-IV0",
          listeners: [
            {
              name: "tls",
              port: 9093,
              type: "cluster-ip",
              tls: true,
              authentication: { type: "tls" },
              // Strimzi opens a listener without peers to every namespace; internal ones keep to their own.
              networkPolicyPeers: [{ podSelector: {} }],
            },
          ],
          authorization: { type: "simple" },
          config: {
            "auto.create.topics.enable": false,
            "auto.leader.rebalance.enable": true,
            "default.replication.factor": 3,
            "min.insync.replicas": 2,
            "offsets.topic.replication.factor": 3,
            "transaction.state.log.min.isr": 2,
            "transaction.state.log.replication.factor": 3,
            "unclean.leader.election.enable": false,
          },
          template: { podDisruptionBudget: { maxUnavailable: 1 } },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    });
  });
  it("renders three controllers and three brokers with one-per-node anti-affinity", () => {
    expect(find(r, "KafkaNodePool", "controller")).toStrictEqual({
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaNodePool",
      metadata: { name: "controller", namespace: "ns", labels: { ...LABELS, "strimzi.io/cluster": "c1" } },
      spec: {
        replicas: 3,
        roles: ["controller"],
        storage: { type: "persistent-claim", size: "20Gi", deleteClaim: false },
        template: {
          pod: {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    labelSelector: {
                      matchLabels: { "strimzi.io/cluster": "c1", "strimzi.io/controller-role": "true" },
                    },
                    topologyKey: "kubernetes.io/hostname",
                  },
                ],
              },
            },
          },
        },
      },
    });
    expect(find(r, "KafkaNodePool", "broker")?.spec.replicas).toBe(3);
  });
  it("renders nothing else", () => {
    expect(r.items.map((i) => `${i.component}/${i.object.kind}/${i.object.metadata.name}`)).toStrictEqual([
      "kafka/Kafka/c1",
      "kafka/KafkaNodePool/controller",
      "kafka/KafkaNodePool/broker",
    ]);
    expect(Object.keys(r.documents)).toStrictEqual(["connectivity.json"]);
  });
});

describe("renderCluster features", () => {
  it.each([
    ["aks", { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" }],
    ["gke", { "networking.gke.io/load-balancer-type": "Internal" }],
    [
      "eks",
      {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      },
    ],
  ])("annotates an internal load balancer for %s", (cloud, annotations) => {
    const k = find(
      render(`cloud: ${cloud}\nlisteners:\n  - { name: vnet, type: internal-loadbalancer }\n`),
      "Kafka",
    );
    expect(k?.spec.kafka.listeners[0]).toStrictEqual({
      name: "vnet",
      port: 9093,
      type: "loadbalancer",
      tls: true,
      authentication: { type: "tls" },
      configuration: { bootstrap: { annotations }, perBrokerAnnotationsTemplate: annotations },
    });
  });

  it("puts a listener's alternative names in its certificate (configuration.bootstrap.alternativeNames)", () => {
    const k = find(
      render(
        "cloud: eks\nlisteners:\n  - { name: peering, type: internal-loadbalancer, alternativeNames: [kafka-peering.internal.example.com] }\n",
      ),
      "Kafka",
    );
    expect(k?.spec.kafka.listeners[0]?.configuration?.bootstrap).toStrictEqual({
      alternativeNames: ["kafka-peering.internal.example.com"],
      annotations: {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
      },
    });
  });

  it.each([
    ["internal", "c1-kafka-bootstrap.ns.svc:9093"],
    ["cluster-ip", "c1-kafka-tls-bootstrap.ns.svc:9093"],
  ])("points Connect at the bootstrap Service Strimzi creates for a %s listener", (type, address) => {
    const r = render(`listeners:\n  - { name: tls, type: ${type} }\nconnect:\n  - { name: etl }\n`);
    expect(find(r, "KafkaConnect")?.spec.bootstrapServers).toBe(address);
  });

  it("admits only the cluster's namespace on internal listeners without peers, and the declared peers otherwise", () => {
    const k = find(
      render(`cloud: aks
listeners:
  - { name: ip, type: cluster-ip }
  - { name: in, type: internal, tls: false, authentication: { type: none } }
  - { name: peered, type: cluster-ip, peers: [{ namespaceSelector: { matchLabels: { team: a } } }] }
  - { name: lb, type: loadbalancer, sourceRanges: [203.0.113.0/24] }
  - { name: vnet, type: internal-loadbalancer }
`),
      "Kafka",
    );
    expect(k?.spec.kafka.listeners.map((l) => [l.name, l.networkPolicyPeers])).toStrictEqual([
      ["ip", [{ podSelector: {} }]],
      ["in", [{ podSelector: {} }]],
      ["peered", [{ namespaceSelector: { matchLabels: { team: "a" } } }]],
      // Reached from outside the Kubernetes cluster: anyone, as the schema says (sourceRanges narrow the LB).
      ["lb", undefined],
      ["vnet", undefined],
    ]);
  });

  it("keeps Connect REST open to its own workers and the operator, and metrics to the Prometheus namespace", () => {
    const workers = { "strimzi.io/cluster": "a", "strimzi.io/kind": "KafkaConnect" };
    const operator = {
      podSelector: { matchLabels: { "strimzi.io/kind": "cluster-operator" } },
      namespaceSelector: {},
    };
    const deploy = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kiln-deploy" } } };
    const policy = (spec: string) =>
      find(renderCluster(loadCluster(spec).cluster), "NetworkPolicy", "a-connect-rest");
    const base = BASE.replace("monitoring:\n  enabled: false\n", "");
    expect(
      policy(`${base}connect:\n  - { name: a, restPeers: [${JSON.stringify(deploy)}] }\n`)?.spec,
    ).toStrictEqual({
      podSelector: { matchLabels: workers },
      policyTypes: ["Ingress"],
      ingress: [
        // Followers forward REST writes to the leader: without the workers themselves, a write to a follower fails.
        {
          from: [{ podSelector: { matchLabels: workers } }, operator, deploy],
          ports: [{ protocol: "TCP", port: 8083 }],
        },
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
          ports: [{ protocol: "TCP", port: 9404 }],
        },
      ],
    });
    // A REST-mode cluster without restPeers still gets it (Strimzi writes no Connect policy then).
    const named = policy(`${base}monitoring: { prometheusNamespace: prom }\nconnect:\n  - { name: a }\n`);
    expect(named?.spec.ingress?.map((r) => r.from)).toStrictEqual([
      [{ podSelector: { matchLabels: workers } }, operator],
      [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prom" } } }],
    ]);
    // Without monitoring there is no metrics port to admit.
    expect(policy(`${BASE}connect:\n  - { name: a }\n`)?.spec.ingress?.map((r) => r.ports)).toStrictEqual([
      [{ protocol: "TCP", port: 8083 }],
    ]);
    // With connector resources Strimzi's own policy covers workers, operator and metrics.
    expect(
      policy(`${base}connect:\n  - { name: a, connectors: kafka-connector-resources }\n`),
    ).toBeUndefined();
  });

  it("restricts TLS and SCRAM passwords under FIPS", () => {
    const k = find(render("fips: true\n"), "Kafka");
    expect(k?.spec.kafka.config["ssl.enabled.protocols"]).toBe("TLSv1.3,TLSv1.2");
    expect(
      String(k?.spec.kafka.config["ssl.cipher.suites"])
        .split(",")
        .every((s) => s.includes("GCM")),
    ).toBe(true);
    expect(k?.spec.entityOperator.template?.userOperatorContainer?.env).toStrictEqual([
      { name: "STRIMZI_SCRAM_SHA_PASSWORD_LENGTH", value: "32" },
    ]);
  });

  it("restricts TLS for the Connect worker and every client it creates under FIPS", () => {
    const r = render("fips: true\nconnect:\n  - { name: etl }\n");
    const config = find(r, "KafkaConnect")?.spec.config ?? {};
    for (const prefix of ["", "producer.", "consumer.", "admin."]) {
      expect(config[`${prefix}ssl.enabled.protocols`], `${prefix}ssl.enabled.protocols`).toBe(
        "TLSv1.3,TLSv1.2",
      );
      expect(config[`${prefix}ssl.protocol`], `${prefix}ssl.protocol`).toBe("TLSv1.3");
      expect(
        String(config[`${prefix}ssl.cipher.suites`])
          .split(",")
          .every((s) => s.includes("GCM")),
      ).toBe(true);
    }
  });

  it("keeps the OAuth trust volume on every node pool, whose pod template replaces the Kafka-level one", () => {
    const r = renderCluster(loadCluster(readFileSync(OAUTH_FIXTURE, "utf8")).cluster);
    const kafka = find(r, "Kafka");
    const mounts = kafka?.spec.kafka.template?.kafkaContainer?.volumeMounts ?? [];
    expect(mounts).toStrictEqual([{ name: "secret-0", mountPath: "/mnt/secrets/sso-ca" }]);
    const pools = r.items.map((i) => i.object).filter((o) => o.kind === "KafkaNodePool");
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) {
      // Strimzi: a pool's template.pod, when present, replaces spec.kafka.template.pod for its pods.
      const pod = pool.spec.template?.pod ?? kafka?.spec.kafka.template?.pod;
      const volumes = new Set((pod?.volumes ?? []).map((v) => v.name));
      for (const m of mounts)
        expect(volumes.has(m.name), `${pool.metadata.name} has volume ${m.name}`).toBe(true);
    }
  });

  it("expresses OAuth as custom OAUTHBEARER authentication with issuer, JWKS and audience", () => {
    const k = find(
      render(`listeners:
  - name: sso
    type: cluster-ip
    authentication:
      type: oauth
      oauth: { issuer: "https://sso.example.com/realms/k", jwksEndpoint: "https://sso.example.com/realms/k/certs", audience: kafka }
`),
      "Kafka",
    );
    const auth = k?.spec.kafka.listeners[0]?.authentication;
    expect(auth?.type).toBe("custom");
    expect(auth?.sasl).toBe(true);
    expect(auth?.listenerConfig?.["sasl.enabled.mechanisms"]).toBe("OAUTHBEARER");
    expect(auth?.listenerConfig?.["oauthbearer.sasl.jaas.config"]).toBe(
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="thePrincipalName" oauth.valid.issuer.uri="https://sso.example.com/realms/k" oauth.jwks.endpoint.uri="https://sso.example.com/realms/k/certs" oauth.check.audience="true" oauth.client.id="kafka" oauth.username.claim="preferred_username";',
    );
  });

  it("passes the introspection client secret as a Secret reference only", () => {
    const r = render(`listeners:
  - name: sso
    type: cluster-ip
    authentication:
      type: oauth
      oauth: { issuer: "https://sso/i", introspectionEndpoint: "https://sso/introspect", clientId: kafka-broker, clientSecret: { secretName: broker-oauth, key: secret } }
`);
    const k = find(r, "Kafka");
    expect(k?.spec.kafka.template?.kafkaContainer?.env).toStrictEqual([
      { name: "OAUTH_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "broker-oauth", key: "secret" } } },
    ]);
    expect(
      String(k?.spec.kafka.listeners[0]?.authentication?.listenerConfig?.["oauthbearer.sasl.jaas.config"]),
    ).toContain('oauth.client.secret="${strimzienv:OAUTH_CLIENT_SECRET}"');
  });

  it.each([
    [
      "opa",
      "opa: { url: 'https://opa.example.com/v1/data/kafka/authz/allow', image: 'registry.example.com/kafka-opa:4.3.1' }",
      "org.openpolicyagent.kafka.OpaAuthorizer",
    ],
    ["custom", "custom: { authorizerClass: com.example.Authorizer }", "com.example.Authorizer"],
  ])("renders %s authorization as custom with its authorizer class", (type, settings, cls) => {
    const k = find(
      render(`authorization:\n  type: ${type}\n  ${settings}\n  superUsers: [admin]\n`),
      "Kafka",
    );
    expect(k?.spec.kafka.authorization).toMatchObject({
      type: "custom",
      authorizerClass: cls,
      superUsers: ["admin"],
    });
    if (type === "opa") expect(k?.spec.kafka.image).toBe("registry.example.com/kafka-opa:4.3.1");
  });

  it("turns the users' grants into the Rego policy under OPA, and keeps them off the KafkaUsers", () => {
    const r = render(`authorization:
  type: opa
  opa: { url: "https://opa.example.com/v1/data/kafka/authz/allow", image: "registry.example.com/kafka-opa:4.3.1" }
users:
  - { name: app, authentication: tls, topics: [{ name: orders, access: [read] }] }
`);
    expect(find(r, "KafkaUser", "app")?.spec).toStrictEqual({ authentication: { type: "tls" } });
    const rego = find(r, "ConfigMap", "c1-kafka-authz")?.data["kafka-authz.rego"] ?? "";
    expect(rego).toContain("package kafka.authz\n");
    expect(rego).toContain("default allow := false");
    expect(rego).toContain('"User:CN=app": [');
    expect(rego).toContain('"User:CN=c1-kafka,O=io.strimzi"');
    expect(r.items.find((i) => i.object.metadata.name === "c1-kafka-authz")?.component).toBe("kafka");
  });

  it("annotates Connect for connector resources consistently with its mode", () => {
    const r = render(`connect:
  - { name: a, connectors: rest }
  - name: b
    connectors: kafka-connector-resources
    kafkaConnectors: [{ name: k1, class: org.example.Sink, tasksMax: 2 }]
`);
    expect(find(r, "KafkaConnect", "a")?.metadata.annotations).toStrictEqual({
      "strimzi.io/use-connector-resources": "false",
    });
    expect(find(r, "KafkaConnect", "b")?.metadata.annotations).toStrictEqual({
      "strimzi.io/use-connector-resources": "true",
    });
    expect(find(r, "KafkaConnector", "k1")?.metadata.labels?.["strimzi.io/cluster"]).toBe("b");
  });

  it("renders Connector-file connectors only on clusters that use connector resources", () => {
    const connectors = [
      { name: "on-crs", connectCluster: "b", class: "org.example.Sink" },
      { name: "on-rest", connectCluster: "a", class: "org.example.Sink" },
    ];
    const r = render("connect:\n  - { name: a }\n  - { name: b, connectors: kafka-connector-resources }\n", {
      connectors,
    });
    expect(
      r.items.filter((i) => i.object.kind === "KafkaConnector").map((i) => i.object.metadata.name),
    ).toStrictEqual(["on-crs"]);
  });

  it("uses the digest the definition pins (image.pinned), unless one is passed at render time", () => {
    const pinned = `reg.example.com/c@sha256:${"1".repeat(64)}`;
    const passed = `reg.example.com/c@sha256:${"2".repeat(64)}`;
    const spec = `connect:\n  - { name: a, plugins: [p], image: { repository: reg.example.com/c, pinned: "${pinned}" } }\n`;
    expect(find(render(spec), "KafkaConnect")?.spec.image).toBe(pinned);
    expect(render(spec).warnings).toStrictEqual([]);
    expect(find(render(spec, { images: { a: passed } }), "KafkaConnect")?.spec.image).toBe(passed);
  });

  it("pins the baked image by digest and refuses an unpinned one", () => {
    const digest = `reg.example.com/c@sha256:${"0".repeat(64)}`;
    const spec = "connect:\n  - { name: a, plugins: [p], image: { repository: reg.example.com/c } }\n";
    expect(find(render(spec, { images: { a: digest } }), "KafkaConnect")?.spec.image).toBe(digest);
    expect(() => render(spec, { images: { a: "reg.example.com/c:latest" } })).toThrow(/pinned by digest/);
    expect(render(spec).warnings).toStrictEqual([
      "Connect cluster a: image reg.example.com/c:kafka-4.3.1 is not pinned by digest; pass the baked image's digest",
    ]);
  });

  it("mounts plugin images under spec.plugins", () => {
    const c = find(
      render("connect:\n  - { name: a, pluginImages: [{ name: jdbc, reference: 'reg/jdbc@sha256:1' }] }\n"),
      "KafkaConnect",
    );
    expect(c?.spec.plugins).toStrictEqual([
      { name: "jdbc", artifacts: [{ type: "image", reference: "reg/jdbc@sha256:1" }] },
    ]);
    expect(c?.spec.image).toBeUndefined();
  });

  it("scales Connect on consumer lag with an HPA on the KafkaConnect scale subresource", () => {
    const h = find(
      render(
        "connect:\n  - { name: a, autoscaling: { maxReplicas: 5, consumerLag: { averageValue: 100 } } }\n",
      ),
      "HorizontalPodAutoscaler",
    );
    expect(h?.spec.scaleTargetRef).toStrictEqual({
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaConnect",
      name: "a",
    });
    expect(h?.spec.minReplicas).toBe(2);
    expect(h?.spec.metrics).toStrictEqual([
      {
        type: "External",
        external: {
          metric: {
            name: "kafka_consumergroup_lag",
            selector: { matchLabels: { consumergroup: "connect-a" } },
          },
          target: { type: "AverageValue", averageValue: "100" },
        },
      },
    ]);
  });

  it("gives an application user exactly its declared topics, groups and quotas", () => {
    const u = find(
      render(
        "users:\n  - { name: app, authentication: scram-sha-512, topics: [{ name: t, access: [read] }], groups: [{ name: g }], quotas: { consumerByteRate: 1000 } }\n",
      ),
      "KafkaUser",
    );
    expect(u?.spec).toStrictEqual({
      authentication: { type: "scram-sha-512" },
      authorization: {
        type: "simple",
        acls: [
          // DESCRIBE is implied by READ: kiln does not grant it twice.
          { resource: { type: "group", name: "g", patternType: "literal" }, operations: ["Read"] },
          { resource: { type: "topic", name: "t", patternType: "literal" }, operations: ["Read"] },
        ],
      },
      quotas: { consumerByteRate: 1000 },
    });
  });
});

describe("the MirrorMaker 2 target user", () => {
  const user = (extra = "") =>
    find(
      render(`disasterRecovery:
  mode: active-passive
  role: backup
  peer: { name: src, bootstrapServers: "src.example.com:9094" }
  topicsPattern: "orders"
${extra}`),
      "KafkaUser",
      "src-to-c1-mm2",
    );
  const ops = (u: ReturnType<typeof user>, topic: string) =>
    u?.spec.authorization?.acls.find((a) => a.resource.type === "topic" && a.resource.name === topic)
      ?.operations;
  it("may write the offset-syncs topic MirrorSourceConnector names after the source alias (location: target)", () => {
    expect(ops(user(), "mm2-offset-syncs.src.internal")).toStrictEqual(["Read", "Write", "Create"]);
    expect(ops(user(), "mm2-offset-syncs.c1.internal")).toBeUndefined();
  });
  it("may read the remote topics it commits translated group offsets for, and only then", () => {
    expect(ops(user(), "src.")).toContain("Read");
    expect(ops(user("  syncGroupOffsets: false\n"), "src.")).not.toContain("Read");
  });
});

describe("patternToAclResources", () => {
  it.each([
    [".*", [{ name: "*", patternType: "literal" }]],
    [undefined, [{ name: "*", patternType: "literal" }]],
    ["orders", [{ name: "orders", patternType: "literal" }]],
    [
      "payments\\..*|ledger",
      [
        { name: "ledger", patternType: "literal" },
        { name: "payments.", patternType: "prefix" },
      ],
    ],
    ["^team-a-.*$", [{ name: "team-a-", patternType: "prefix" }]],
    ["(a|b)", [{ name: "*", patternType: "literal" }]],
    ["a|[bc].*", [{ name: "*", patternType: "literal" }]],
  ])("%s", (pattern, expected) => {
    expect(patternToAclResources(pattern)).toStrictEqual(expected);
  });
});

describe("the examples", () => {
  it.each(exampleFiles())("%s renders to the committed snapshot", async (file) => {
    const files = toFiles(loadExample(file).result);
    const joined = Object.entries(files)
      .map(([path, text]) => `### ${path}\n${text}`)
      .join("\n");
    await expect(joined).toMatchFileSnapshot(`__snapshots__/examples/${file.replace(/\.yaml$/, ".txt")}`);
  });
  it.each(exampleFiles())("%s renders byte-identically twice", (file) => {
    expect(toFiles(loadExample(file).result)).toStrictEqual(toFiles(loadExample(file).result));
  });
});
