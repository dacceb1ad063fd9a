import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCluster, regexProblem } from "./check.js";
import { exampleFiles, loadCluster, loadExample } from "./testing/examples.js";

const BASE = `apiVersion: kiln.dev/v1
kind: Cluster
name: prod
namespace: kafka
kafka:
  version: 4.3.1
`;

function check(extra: string) {
  const { cluster, source } = loadCluster(BASE + extra, "prod.yaml");
  return checkCluster(cluster, source);
}

const codes = (extra: string) =>
  check(extra)
    .filter((d) => d.severity === "error")
    .map((d) => d.code);

const codesWith = (version: string, extra: string) => {
  const { cluster, source } = loadCluster(BASE.replace("4.3.1", version) + extra, "prod.yaml");
  return checkCluster(cluster, source)
    .filter((d) => d.severity === "error")
    .map((d) => d.code);
};

describe("checkCluster", () => {
  it.each(exampleFiles())("finds nothing wrong with example %s", (file) => {
    const { cluster, source } = loadExample(file);
    expect(checkCluster(cluster, source)).toStrictEqual([]);
  });

  it("finds only the ephemeral-storage warning in the all-options fixture", () => {
    const { cluster, source } = loadCluster(
      readFileSync(new URL("render/__fixtures__/oauth-keycloak-fips.yaml", import.meta.url), "utf8"),
    );
    expect(checkCluster(cluster, source).map((d) => `${d.severity} ${d.code}`)).toStrictEqual([
      "warning cluster-ephemeral",
    ]);
  });

  it("accepts the defaults", () => {
    expect(check("")).toStrictEqual([]);
  });

  it("reports an even number of controllers at the pool's replicas, with file and line", () => {
    const d = check(`nodePools:
  - { name: c, roles: [controller], replicas: 3 }
  - { name: c2, roles: [controller], replicas: 1 }
  - { name: b, roles: [broker], replicas: 3 }
`);
    expect(d).toStrictEqual([
      {
        severity: "error",
        code: "cluster-even-controllers",
        message:
          "4 controllers is an even number: a KRaft quorum of 4 tolerates no more failures than 3; use 3 or 5",
        location: { file: "prod.yaml", line: 8, column: 47, path: "nodePools[0].replicas" },
      },
    ]);
  });

  it.each([
    [
      "fewer brokers than the replication factor",
      "nodePools:\n  - { name: c, roles: [controller], replicas: 3 }\n  - { name: b, roles: [broker], replicas: 2 }\n",
      "cluster-brokers-below-replication-factor",
    ],
    [
      "no controllers",
      "nodePools:\n  - { name: b, roles: [broker], replicas: 3 }\n",
      "cluster-no-controllers",
    ],
    ["min ISR not below the replication factor", "  minInsyncReplicas: 3\n", "cluster-min-isr"],
    [
      "zones without a topology key",
      "placement:\n  zones: [a, b, c]\n  topologyKey: null\n",
      "cluster-zones-without-topology-key",
    ],
    [
      "zones with the hostname key",
      "placement:\n  zones: [a, b, c]\n  topologyKey: kubernetes.io/hostname\n",
      "cluster-zones-hostname-key",
    ],
    [
      "SCRAM on a listener used by a TLS-only user",
      "listeners:\n  - { name: ext, port: 9094, type: loadbalancer, authentication: { type: scram-sha-512 } }\nusers:\n  - { name: app, authentication: tls, listener: ext }\n",
      "cluster-user-listener-auth",
    ],
    [
      "OAuth without an issuer",
      "listeners:\n  - name: sso\n    type: cluster-ip\n    authentication:\n      type: oauth\n      oauth: { jwksEndpoint: 'https://sso.example.com/certs' }\n",
      "cluster-oauth-issuer",
    ],
    [
      "OAuth without any endpoint",
      "listeners:\n  - name: sso\n    type: cluster-ip\n    authentication:\n      type: oauth\n      oauth: { issuer: 'https://sso.example.com/realms/k' }\n",
      "cluster-oauth-endpoint",
    ],
    [
      "a DR pair naming the same cluster twice",
      "disasterRecovery:\n  mode: active-active\n  peer: { name: prod, bootstrapServers: 'prod.example.com:9094' }\n",
      "cluster-dr-same-cluster",
    ],
    [
      "active-active with the identity policy",
      "disasterRecovery:\n  mode: active-active\n  replicationPolicy: identity\n  peer: { name: dr, bootstrapServers: 'dr.example.com:9094' }\n",
      "cluster-dr-identity-loop",
    ],
    [
      "active-passive without a role",
      "disasterRecovery:\n  mode: active-passive\n  peer: { name: dr, bootstrapServers: 'dr.example.com:9094' }\n",
      "cluster-dr-role",
    ],
    [
      "a Connect cluster with connectors in both deployment modes",
      "connect:\n  - name: c\n    connectors: rest\n    kafkaConnectors:\n      - { name: k, class: org.example.Sink }\n",
      "cluster-connectors-both-modes",
    ],
    [
      "an internal load balancer without a cloud",
      "listeners:\n  - { name: vnet, type: internal-loadbalancer }\n",
      "cluster-internal-lb-cloud",
    ],
    [
      "an audience OAuth introspection cannot check",
      "listeners:\n  - name: sso\n    type: cluster-ip\n    authentication:\n      type: oauth\n      oauth: { issuer: 'https://sso/i', introspectionEndpoint: 'https://sso/x', clientId: broker, clientSecret: { secretName: s, key: k }, audience: kafka }\n",
      "cluster-oauth-audience",
    ],
    [
      "a reserved port",
      "listeners:\n  - { name: x, port: 9404, type: cluster-ip }\n",
      "cluster-reserved-port",
    ],
    [
      "FIPS with a plaintext listener",
      "fips: true\nlisteners:\n  - { name: x, type: cluster-ip, tls: false, authentication: { type: scram-sha-512 } }\n",
      "cluster-fips-plaintext",
    ],
    [
      "Keycloak authorization without OAuth",
      "authorization:\n  type: keycloak\n  keycloak: { tokenEndpoint: 'https://sso.example.com/token', clientId: kafka }\n",
      "cluster-keycloak-without-oauth",
    ],
    [
      "two KRaft metadata volumes",
      "nodePools:\n  - { name: c, roles: [controller], replicas: 3 }\n  - name: b\n    roles: [broker]\n    replicas: 3\n    storage: { type: jbod, volumes: [{ size: 1Gi, kraftMetadata: true }, { size: 1Gi, kraftMetadata: true }] }\n",
      "cluster-kraft-metadata",
    ],
    [
      "a user colliding with a Connect user",
      "users:\n  - { name: c-connect, authentication: tls }\nconnect:\n  - { name: c }\n",
      "cluster-duplicate-user",
    ],
    [
      "a literal secret in a connector config",
      "connect:\n  - name: c\n    connectors: kafka-connector-resources\n    kafkaConnectors:\n      - { name: k, class: org.example.Sink, config: { connection.password: hunter2 } }\n",
      "cluster-literal-secret",
    ],
    [
      "a literal with a placeholder inside it",
      "connect:\n  - name: c\n    config: { producer.override.sasl.password: 'S3CR3T${env:X}' }\n",
      "cluster-literal-secret",
    ],
    ["a Kafka version Strimzi 1.2 does not run", "", "cluster-kafka-version", "4.1.0"],
    ["a metadata version newer than Kafka", "  metadataVersion: 4.4-IV0\n", "cluster-metadata-version"],
    [
      "a metadata version older than Kafka 4 allows",
      "  metadataVersion: 3.3-IV2\n",
      "cluster-metadata-version",
    ],
    [
      "zones that contradict the nodeSelector",
      "placement:\n  zones: [a, b, c]\n  nodeSelector: { topology.kubernetes.io/zone: a }\n",
      "cluster-zones-node-selector",
    ],
    [
      "an opa block under simple authorization",
      "authorization:\n  type: simple\n  opa: { url: https://opa.example.com/v1/data/kafka/allow, image: registry.example.com/kafka-opa@sha256:" +
        "a".repeat(64) +
        " }\n",
      "cluster-authorization-ignored",
    ],
    [
      "an invalid MirrorMaker 2 topic pattern",
      "disasterRecovery:\n  mode: active-active\n  peer: { name: b, bootstrapServers: 'b.example.com:9094' }\n  topicsPattern: 'orders.*, (payments'\n",
      "cluster-regex",
    ],
    [
      "a lookahead in a Kafka Exporter regex (Go has none)",
      "monitoring:\n  kafkaExporter: { groupRegex: '(?!internal).*' }\n",
      "cluster-regex",
    ],
    [
      "a custom SASL listener without a JAAS entry (the broker would not start)",
      "listeners:\n  - name: c\n    type: cluster-ip\n    authentication:\n      type: custom\n      custom: { sasl: true, listenerConfig: { sasl.enabled.mechanisms: PLAIN } }\n",
      "cluster-custom-sasl",
    ],
    [
      "a custom OAUTHBEARER listener without a validating callback handler",
      "listeners:\n  - name: c\n    type: cluster-ip\n    authentication:\n      type: custom\n      custom: { sasl: true, listenerConfig: { sasl.enabled.mechanisms: OAUTHBEARER, oauthbearer.sasl.jaas.config: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;' } }\n",
      "cluster-custom-sasl",
    ],
    [
      "a custom listener offering SASL mechanisms without sasl: true",
      "listeners:\n  - name: c\n    type: cluster-ip\n    authentication:\n      type: custom\n      custom: { listenerConfig: { sasl.enabled.mechanisms: PLAIN } }\n",
      "cluster-custom-sasl",
    ],
    [
      "an OAuth user on a cluster without an OAuth listener",
      "users:\n  - { name: app, authentication: oauth }\n",
      "cluster-user-without-listener",
    ],
    [
      "an OPA URL that names no decision",
      "authorization:\n  type: opa\n  opa: { url: 'https://opa.example.com/authorize', image: 'registry.example.com/kafka-opa:4.3.1' }\n",
      "cluster-opa-url",
    ],
  ])("rejects %s", (_what, extra, code, version?: string) => {
    expect(version ? codesWith(version, extra) : codes(extra)).toContain(code);
  });

  it.each([
    ["(?i)orders\\..*", "java"],
    ["orders\\.(eu|us)-.*,payments.*", "java"],
    ["\\Qa.b\\E.*+", "java"],
    ["(?P<name>x)|y", "go"],
    ["[a-z]+_.*", "go"],
  ] as const)("accepts the regular expression %s (%s)", (pattern, dialect) => {
    expect(regexProblem(pattern.split(",")[0] as string, dialect)).toBeUndefined();
  });

  it("accepts an IPv6 peer bootstrap address in brackets", () => {
    expect(
      codes(
        "disasterRecovery:\n  mode: active-active\n  peer: { name: b, bootstrapServers: '[fd00::1]:9094,[fd00::2]:9094' }\n",
      ),
    ).toStrictEqual([]);
  });

  it("locates what it rejects and says what to do", () => {
    const d = check("placement:\n  zones: [a, b, c]\n  nodeSelector: { topology.kubernetes.io/zone: a }\n");
    expect(
      d.filter((x) => x.severity === "error").map((x) => [x.location.line, x.location.path, x.message]),
    ).toStrictEqual([
      [
        9,
        'placement.nodeSelector["topology.kubernetes.io/zone"]',
        "nodeSelector pins topology.kubernetes.io/zone to a, but zones lists a, b, c: no node satisfies both, so the pods could never be scheduled; drop topology.kubernetes.io/zone from nodeSelector",
      ],
    ]);
  });

  it("refuses replicas beyond int32 and credentials in an OAuth issuer URL, in the schema", () => {
    expect(() =>
      loadCluster(
        `${BASE}nodePools:\n  - { name: c, roles: [controller, broker], replicas: 2147483648 }\n`,
        "p.yaml",
      ),
    ).toThrow(/`nodePools\[0\]\.replicas` must be <= 2147483647/);
    const oauth = `listeners:\n  - name: ext\n    port: 9094\n    type: internal\n    tls: true\n    authentication:\n      type: oauth\n      oauth: { issuer: 'https://kafka:S3CR3T@sso.example.com/realms/k', jwksEndpoint: 'https://sso.example.com/certs' }\n`;
    let message = "";
    try {
      loadCluster(BASE + oauth, "p.yaml");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/`listeners\[0\]\.authentication\.oauth\.issuer` writes a credential into a URL/);
    expect(message).not.toContain("S3CR3T");
  });

  it("lets plaintext and anonymous listeners through only as warnings when explicit", () => {
    const d = check(
      "listeners:\n  - { name: dev, type: cluster-ip, tls: false, authentication: { type: none } }\n",
    );
    expect(d.map((x) => [x.severity, x.code])).toStrictEqual([
      ["warning", "cluster-plaintext"],
      ["warning", "cluster-no-authentication"],
    ]);
  });
});
