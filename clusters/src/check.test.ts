import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCluster } from "./check.js";
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
  ])("rejects %s", (_what, extra, code) => {
    expect(codes(extra)).toContain(code);
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
