import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LocalCluster, LocalEnvironment } from "@kiln/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import type { Probe, ProbeResult } from "./probe.js";
import {
  cluster,
  compileFixture,
  kilnDown,
  kilnUp,
  listener,
  plainUsers,
  probe,
  userConfig,
} from "./support.js";

// Every authentication × authorization the seed names, on real brokers started by `kiln up` from
// Cluster files as a user writes them: one single-node cluster per authorizer, each with one
// listener per authentication mechanism, and one least-privilege user per listener.
// Each user may read and write `allowed` (groups `allowed-*`) and nothing else.

const AUTHN = ["mtls", "scram", "custom"] as const;
type Authn = (typeof AUTHN)[number];
const AUTHZ = { simple: "sec-acls", custom: "sec-prefix" } as const;
type Authz = keyof typeof AUTHZ;

const USER: Record<Authn, string> = { mtls: "app-tls", scram: "app-scram", custom: "app-custom" };

function clusterFile(name: string, authorization: string, usersFile: string): string {
  const grants = `    topics: [{ name: allowed, access: [read, write] }]
    groups: [{ name: allowed-, patternType: prefix }]`;
  return `apiVersion: kiln.dev/v1
kind: Cluster
name: ${name}
namespace: kafka
kafka: { version: 4.3.1, replicationFactor: 1, minInsyncReplicas: 1 }
nodePools:
  - { name: kafka, roles: [controller, broker], replicas: 1, storage: { type: ephemeral } }
listeners:
  - { name: mtls, port: 9093, type: internal, authentication: { type: tls } }
  - { name: scram, port: 9094, type: internal, authentication: { type: scram-sha-512 } }
  - name: custom
    port: 9095
    type: internal
    authentication:
      type: custom
      custom:
        sasl: true
        listenerConfig:
          sasl.enabled.mechanisms: PLAIN
          plain.sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required users.file="${usersFile}";'
          plain.sasl.server.callback.handler.class: dev.kiln.test.KilnPlainVerifier
authorization:
${authorization}
users:
  - name: app-tls
    authentication: tls
    listener: mtls
${grants}
  - name: app-scram
    authentication: scram-sha-512
    listener: scram
${grants}
  - name: app-custom
    authentication: custom
    listener: custom
${grants}
monitoring: { enabled: false }
`;
}

describe("every authentication × authorization kiln renders, with real traffic (kiln up)", () => {
  let dir: string;
  let state: string;
  let env: LocalEnvironment;
  let plain: Awaited<ReturnType<typeof plainUsers>>;
  let results: Record<string, ProbeResult>;

  /** Client settings of `authn`'s user on cluster `c`: kiln up's own file, or the custom mechanism's login. */
  const login = (c: LocalCluster, authn: Authn): Pick<Probe, "config" | "overrides"> =>
    authn === "custom"
      ? {
          config: userConfig(c, "app-tls", "mtls"),
          overrides: {
            "bootstrap.servers": listener(c, "custom").bootstrap,
            "security.protocol": "SASL_SSL",
            "ssl.keystore.location": null,
            "ssl.keystore.type": null,
            "sasl.mechanism": "PLAIN",
            "sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="app-custom" password="${plain.passwords["app-custom"]}";`,
          },
        }
      : { config: userConfig(c, USER[authn], authn) };

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "security-"));
    state = join(dir, "state");
    const [verifier, authorizer] = await Promise.all([
      compileFixture("KilnPlainVerifier"),
      compileFixture("KilnPrefixAuthorizer"),
      plainUsers(dir, ["app-custom"]).then((p) => {
        plain = p;
      }),
    ]);
    await writeFile(join(dir, "acls.yaml"), clusterFile(AUTHZ.simple, "  type: simple", plain.file));
    await writeFile(
      join(dir, "prefix.yaml"),
      clusterFile(
        AUTHZ.custom,
        "  type: custom\n  custom:\n    authorizerClass: dev.kiln.test.KilnPrefixAuthorizer\n    config: { kiln.test.allowed.prefix: allowed }",
        plain.file,
      ),
    );
    const started = Date.now();
    env = await kilnUp(dir, [
      "acls.yaml",
      "prefix.yaml",
      "--state",
      state,
      "--classpath",
      verifier,
      authorizer,
    ]);
    console.log(`kiln up: 2 secured single-node clusters in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Topics as the Topic Operator would create them (a super-user over the replication listener).
    const topics: Probe[] = Object.values(AUTHZ).flatMap((name) =>
      ["allowed", "denied"].map((topic) => ({
        name: `${name}/create/${topic}`,
        config: cluster(env, name).topicOperatorConfig,
        action: "create-topic" as const,
        topic,
      })),
    );
    const created = await probe(env, dir, topics);
    for (const t of topics)
      expect(created[t.name], JSON.stringify(created[t.name])).toMatchObject({ ok: true });

    const probes: Probe[] = [];
    for (const [authz, name] of Object.entries(AUTHZ))
      for (const authn of AUTHN) {
        const c = cluster(env, name);
        const id = `${authz}/${authn}`;
        probes.push(
          { name: `${id}/produce-allowed`, ...login(c, authn), action: "produce", topic: "allowed" },
          {
            name: `${id}/consume-allowed`,
            ...login(c, authn),
            action: "consume",
            topic: "allowed",
            group: `allowed-${authn}`,
          },
          { name: `${id}/produce-denied`, ...login(c, authn), action: "produce", topic: "denied" },
          {
            name: `${id}/consume-denied-group`,
            ...login(c, authn),
            action: "consume",
            topic: "allowed",
            group: `other-${authn}`,
          },
        );
      }
    results = await probe(env, dir, probes);
  });

  afterAll(async () => {
    if (state) await kilnDown(dir, state);
  });

  describe.each(Object.keys(AUTHZ) as Authz[])("%s authorization", (authz) => {
    it.each(AUTHN)("%s: the user writes and reads its own topic with its own group", (authn) => {
      expect(results[`${authz}/${authn}/produce-allowed`]).toMatchObject({ ok: true });
      expect(results[`${authz}/${authn}/consume-allowed`]).toMatchObject({ ok: true });
    });
    it.each(AUTHN)("%s: the broker refuses another topic and another group", (authn) => {
      expect(results[`${authz}/${authn}/produce-denied`]).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.TopicAuthorizationException",
        message: "Not authorized to access topics: [denied]",
      });
      expect(results[`${authz}/${authn}/consume-denied-group`]).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.GroupAuthorizationException",
      });
    });
  });

  describe("refused clients", () => {
    let refused: Record<string, ProbeResult>;
    beforeAll(async () => {
      const c = cluster(env, AUTHZ.simple);
      const mtls = userConfig(c, "app-tls", "mtls");
      const untrusted = join(dir, "untrusted");
      refused = await probe(
        env,
        dir,
        [
          {
            name: "plaintext",
            config: mtls,
            overrides: { "security.protocol": "PLAINTEXT" },
            action: "describe-cluster",
          },
          {
            name: "no-certificate",
            config: mtls,
            overrides: { "ssl.keystore.location": null, "ssl.keystore.type": null },
            action: "describe-cluster",
          },
          {
            name: "untrusted-certificate",
            config: mtls,
            overrides: {
              "ssl.keystore.location": await selfSignedKeystore(untrusted),
              "ssl.keystore.type": "PEM",
            },
            action: "describe-cluster",
          },
          {
            name: "wrong-scram-password",
            config: userConfig(c, "app-scram", "scram"),
            overrides: {
              "sasl.jaas.config":
                'org.apache.kafka.common.security.scram.ScramLoginModule required username="app-scram" password="not-the-password";',
            },
            action: "describe-cluster",
          },
          {
            name: "wrong-custom-password",
            ...login(c, "custom"),
            action: "describe-cluster",
          },
        ].map((p) =>
          p.name === "wrong-custom-password"
            ? {
                ...p,
                overrides: {
                  ...p.overrides,
                  "sasl.jaas.config":
                    'org.apache.kafka.common.security.plain.PlainLoginModule required username="app-custom" password="wrong";',
                },
              }
            : p,
        ) as Probe[],
      );
    });

    it("a plaintext client on a TLS listener gets no answer, and the broker logs the failed handshake", async () => {
      expect(refused.plaintext).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.TimeoutException",
      });
      const log = await readFile(cluster(env, AUTHZ.simple).nodes[0]?.logFile ?? "", "utf8");
      const failures = log.split("\n").filter((l) => l.includes("Failed authentication with"));
      expect(
        failures.some((l) => /\(channelId=\S+:9093-\S+\) \(SSL handshake failed\)/.test(l)),
        failures.join("\n"),
      ).toBe(true);
    });
    it("an mTLS listener refuses a client without a certificate and one with an untrusted certificate", () => {
      // TLS 1.3: the client learns of the refusal after its handshake, in the broker's alert.
      for (const name of ["no-certificate", "untrusted-certificate"])
        expect(refused[name], name).toMatchObject({
          ok: false,
          error: "org.apache.kafka.common.errors.SslAuthenticationException",
          message: expect.stringMatching(
            /^(SSL handshake failed|Failed to process post-handshake messages)$/,
          ),
        });
    });
    it("a SCRAM listener refuses a wrong password with the broker's message", () => {
      expect(refused["wrong-scram-password"]).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.SaslAuthenticationException",
        message:
          "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
      });
    });
    it("the custom authenticator refuses a wrong password", () => {
      expect(refused["wrong-custom-password"]).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.SaslAuthenticationException",
        message: "Authentication failed: Invalid username or password",
      });
    });
  });
});

/** A key and certificate no CA of the cluster signed. */
async function selfSignedKeystore(dir: string): Promise<string> {
  const { selfSigned } = await import("../harness/tls.js");
  const { pem, key } = await selfSigned(dir, "intruder", "/CN=app-tls");
  const file = join(dir, "intruder-keystore.pem");
  await writeFile(file, `${await readFile(key, "utf8")}${await readFile(pem, "utf8")}`);
  return file;
}
