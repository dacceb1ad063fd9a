import { mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { LocalCluster, LocalEnvironment } from "@kiln/local";
import { resolveJarSet, STRIMZI_OAUTH_JARS } from "@kiln/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runKiln } from "../harness/cli.js";
import { eventually } from "../harness/eventually.js";
import { required } from "../harness/inject.js";
import type { Opa } from "../harness/security/opa.js";
import { selfSigned } from "../harness/tls.js";
import {
  APP,
  BROKER_CLIENT,
  forge,
  ISSUER,
  OPA,
  OPA_URL,
  oauthLogin,
  type SecurityPeers,
  SHORT_LIVED,
  SSO,
  startOpaWith,
  startSecurityPeers,
} from "./peers.js";
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
// listener per authentication mechanism and one least-privilege user per listener, who may read
// and write `allowed` (groups `allowed-*`) and nothing else. Keycloak (the authorization server)
// and OPA run beside them; OPA evaluates the policy `kiln render` writes. A fifth cluster runs on
// BouncyCastle FIPS with a Connect cluster.

const AUTHN = ["mtls", "scram", "oauth", "custom"] as const;
type Authn = (typeof AUTHN)[number];
const AUTHZ = { simple: "sec-acls", keycloak: "sec-keycloak", opa: "sec-opa", custom: "sec-prefix" } as const;
type Authz = keyof typeof AUTHZ;
const FIPS = "sec-fips";

/** Principals of the four users, as each authenticator names them. */
const USER: Record<Authn, string> = {
  mtls: "app-tls",
  scram: "app-scram",
  oauth: `service-account-${APP.clientId}`,
  custom: "app-custom",
};

const GRANTS = `    topics: [{ name: allowed, access: [read, write] }]
    groups: [{ name: allowed-, patternType: prefix }]`;

const AUTHORIZATION: Record<Authz, string> = {
  simple: "  type: simple",
  // KeycloakAuthorizer 0.15.0 (the newest on Maven Central) cannot delegate to Kafka's ACLs on
  // Kafka 4: Keycloak alone decides, for OAuth principals (see the README's security section).
  keycloak: `  type: keycloak
  keycloak:
    tokenEndpoint: ${ISSUER}/protocol/openid-connect/token
    clientId: ${BROKER_CLIENT.clientId}
    delegateToKafkaAcls: false
    trustedCertificates: { secretName: sso-ca }`,
  opa: `  type: opa
  opa:
    url: ${OPA_URL}
    image: registry.example.com/kafka-opa:4.3.1
    trustedCertificates: { secretName: opa-truststore }`,
  custom: `  type: custom
  custom:
    authorizerClass: dev.kiln.test.KilnPrefixAuthorizer
    config: { kiln.test.allowed.prefix: allowed }`,
};

function clusterFile(name: string, authz: Authz, usersFile: string): string {
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
  - name: oauth
    port: 9095
    type: internal
    authentication:
      type: oauth
      oauth:
        issuer: ${ISSUER}
        jwksEndpoint: ${ISSUER}/protocol/openid-connect/certs
        trustedCertificates: { secretName: sso-ca }
  - name: custom
    port: 9096
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
${AUTHORIZATION[authz]}
users:
  - name: ${USER.mtls}
    authentication: tls
    listener: mtls
${GRANTS}
  - name: ${USER.scram}
    authentication: scram-sha-512
    listener: scram
${GRANTS}
  - name: ${USER.oauth}
    authentication: oauth
    listener: oauth
${GRANTS}
  - name: ${USER.custom}
    authentication: custom
    listener: custom
${GRANTS}
monitoring: { enabled: false }
`;
}

const FIPS_FILE = `apiVersion: kiln.dev/v1
kind: Cluster
name: ${FIPS}
namespace: kafka
fips: true
kafka: { version: 4.3.1, replicationFactor: 1, minInsyncReplicas: 1 }
nodePools:
  - { name: kafka, roles: [controller, broker], replicas: 1, storage: { type: ephemeral } }
listeners:
  - { name: mtls, port: 9093, type: internal, authentication: { type: tls } }
  - { name: scram, port: 9094, type: internal, authentication: { type: scram-sha-512 } }
users:
  - name: ${USER.mtls}
    authentication: tls
    listener: mtls
${GRANTS}
  - name: ${USER.scram}
    authentication: scram-sha-512
    listener: scram
${GRANTS}
connect:
  - name: etl
    replicas: 1
    connectors: rest
    topics: { read: [{ name: allowed }] }
monitoring: { enabled: false }
`;

/** Keycloak decides for OAuth principals only (no delegation): every other principal is refused. */
const expectAllowed = (authz: Authz, authn: Authn) => authz !== "keycloak" || authn === "oauth";

describe("every authentication × authorization kiln renders, with real traffic (kiln up)", () => {
  let dir: string;
  let state: string;
  let env: LocalEnvironment;
  let peers: SecurityPeers;
  let opa: Opa;
  let plain: Awaited<ReturnType<typeof plainUsers>>;
  let oauthJars: string[];
  let results: Record<string, ProbeResult>;

  const run = (probes: Probe[]) => probe(env, dir, probes, { classpath: oauthJars });

  /** Client settings of `authn`'s user on cluster `c`: kiln up's own file, or the login its mechanism needs. */
  const login = (c: LocalCluster, authn: Authn): Pick<Probe, "config" | "overrides"> => {
    const base = userConfig(c, USER.mtls, "mtls"); // trust (cluster CA) comes from kiln up's file
    if (authn === "custom")
      return {
        config: base,
        overrides: {
          "bootstrap.servers": listener(c, "custom").bootstrap,
          "security.protocol": "SASL_SSL",
          "ssl.keystore.location": null,
          "ssl.keystore.type": null,
          "sasl.mechanism": "PLAIN",
          "sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="${USER.custom}" password="${plain.passwords[USER.custom]}";`,
        },
      };
    if (authn === "oauth")
      return {
        config: base,
        overrides: { "bootstrap.servers": listener(c, "oauth").bootstrap, ...oauthLogin(peers.ca, APP) },
      };
    return { config: userConfig(c, USER[authn], authn) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "security-"));
    state = join(dir, "state");
    const hookStarted = Date.now();
    const [verifier, authorizer] = await Promise.all([
      compileFixture("KilnPlainVerifier"),
      compileFixture("KilnPrefixAuthorizer"),
      plainUsers(dir, [USER.custom]).then((p) => {
        plain = p;
      }),
      resolveJarSet(STRIMZI_OAUTH_JARS).then((s) => {
        oauthJars = s.files;
      }),
      startSecurityPeers(dir).then((p) => {
        peers = p as SecurityPeers;
        console.log(`Keycloak ready ${((Date.now() - hookStarted) / 1000).toFixed(1)} s into the setup`);
      }),
    ]);
    const files: string[] = [];
    for (const [authz, name] of Object.entries(AUTHZ) as [Authz, string][]) {
      await writeFile(join(dir, `${name}.yaml`), clusterFile(name, authz, plain.file));
      files.push(`${name}.yaml`);
    }
    await writeFile(join(dir, `${FIPS}.yaml`), FIPS_FILE);

    // OPA evaluates the policy kiln renders for the OPA cluster, as a user deploys it.
    const rendered = await runKiln(["render", `${AUTHZ.opa}.yaml`, "--out", "rendered-opa"], {
      cwd: dir,
      env: process.env,
    });
    expect(rendered.code, rendered.stderr).toBe(0);
    const policyFile = (await readdir(join(dir, "rendered-opa", "kafka"))).find((f) =>
      f.startsWith("configmap-"),
    );
    const policy = parseYaml(
      await readFile(join(dir, "rendered-opa", "kafka", policyFile ?? ""), "utf8"),
    ) as {
      data: Record<string, string>;
    };
    opa = await startOpaWith(dir, peers.ca, policy.data["kafka-authz.rego"] ?? "");

    const started = Date.now();
    env = await kilnUp(dir, [
      ...files,
      `${FIPS}.yaml`,
      "--state",
      state,
      // Five brokers and a FIPS worker start at once on two cores, beside Keycloak and the suite's
      // shared Kafka and Connect: more than kiln up's 3-minute default may pass on a loaded machine.
      "--timeout",
      "10m",
      "--secrets",
      peers.secretsDir,
      "--classpath",
      verifier,
      authorizer,
      "--add-host",
      `${SSO.host}=${SSO.ip}`,
      `${OPA.host}=${OPA.ip}`,
      // Kafka's own record of every client's settings, for the FIPS checks.
      "--log",
      "org.apache.kafka.common.config.AbstractConfig=INFO",
    ]);
    console.log(
      `kiln up: 5 secured single-node clusters and a FIPS Connect worker in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // Topics as the Topic Operator would create them (a super-user over the replication listener).
    const topics: Probe[] = [...Object.values(AUTHZ), FIPS].flatMap((name) =>
      ["allowed", "denied"].map((topic) => ({
        name: `${name}/create/${topic}`,
        config: cluster(env, name).topicOperatorConfig,
        action: "create-topic" as const,
        topic,
      })),
    );
    const created = await run(topics);
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
    results = await run(probes);
    // On a machine with cold caches this hook also downloads and starts Keycloak and OPA while the
    // suite builds kube-apiserver beside it (over 300 s, seen); warm, it takes under two minutes.
  }, 900_000);

  afterAll(async () => {
    if (state) await kilnDown(dir, state);
    await Promise.allSettled([peers?.stop(), opa?.stop()]);
  });

  describe.each(Object.keys(AUTHZ) as Authz[])("%s authorization", (authz) => {
    it.each(AUTHN)("%s: the user writes and reads its own topic with its own group", (authn) => {
      if (!expectAllowed(authz, authn)) {
        // Without delegation to Kafka's ACLs, Keycloak knows only OAuth principals.
        expect(results[`${authz}/${authn}/produce-allowed`]).toMatchObject({
          ok: false,
          error: "org.apache.kafka.common.errors.TopicAuthorizationException",
        });
        return;
      }
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
        error: expect.stringMatching(/(Group|Topic)AuthorizationException$/),
      });
    });
  });

  it("OPA decided with the policy kiln rendered: it saw each principal and refused what the grants do not name", async () => {
    const decisions = await opa.decisions();
    const asked = (principal: string, topic: string, operation: string | undefined, allowed: boolean) =>
      decisions.some((d) => {
        const input = d.input as {
          action: { operation: string; resourcePattern: { name: string; resourceType: string } };
          requestContext: { principal: { name: string } };
        };
        return (
          input.requestContext.principal.name === principal &&
          input.action.resourcePattern.resourceType === "TOPIC" &&
          input.action.resourcePattern.name === topic &&
          (operation === undefined || input.action.operation === operation) &&
          d.result === allowed
        );
      });
    for (const principal of ["CN=app-tls", USER.scram, USER.oauth, USER.custom]) {
      expect(asked(principal, "allowed", "WRITE", true), `${principal} allowed to write allowed`).toBe(true);
      // A producer asks to describe a topic before writing: the refusal comes there.
      expect(asked(principal, "denied", undefined, false), `${principal} refused on denied`).toBe(true);
      expect(asked(principal, "denied", undefined, true), `${principal} never allowed on denied`).toBe(false);
    }
  });

  describe("refused clients", () => {
    let refused: Record<string, ProbeResult>;
    beforeAll(async () => {
      const c = cluster(env, AUTHZ.simple);
      const mtls = userConfig(c, USER.mtls, "mtls");
      const intruder = await selfSigned(join(dir, "intruder"), "intruder", `/CN=${USER.mtls}`);
      const intruderKeystore = join(dir, "intruder", "keystore.pem");
      await writeFile(
        intruderKeystore,
        `${await readFile(intruder.key, "utf8")}${await readFile(intruder.pem, "utf8")}`,
      );
      const token = await peers.keycloak.token(APP.clientId, APP.secret);
      const brief = await peers.keycloak.token(SHORT_LIVED.clientId, SHORT_LIVED.secret);
      await sleep(2500); // the brief token has expired
      const oauth = login(c, "oauth");
      const custom = login(c, "custom");
      const fips = userConfig(cluster(env, FIPS), USER.mtls, "mtls");
      refused = await run([
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
          overrides: { "ssl.keystore.location": intruderKeystore },
          action: "describe-cluster",
        },
        {
          name: "wrong-scram-password",
          config: userConfig(c, USER.scram, "scram"),
          overrides: {
            "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER.scram}" password="not-the-password";`,
          },
          action: "describe-cluster",
        },
        {
          name: "wrong-custom-password",
          config: custom.config,
          overrides: {
            ...custom.overrides,
            "sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="${USER.custom}" password="wrong";`,
          },
          action: "describe-cluster",
        },
        {
          name: "forged-token",
          config: oauth.config,
          overrides: { ...oauth.overrides, ...oauthLogin(peers.ca, { token: forge(token) }) },
          action: "describe-cluster",
        },
        {
          name: "expired-token",
          config: oauth.config,
          overrides: { ...oauth.overrides, ...oauthLogin(peers.ca, { token: brief }) },
          action: "describe-cluster",
        },
        {
          name: "fips-chacha20",
          config: fips,
          overrides: {
            "ssl.enabled.protocols": "TLSv1.3",
            "ssl.protocol": "TLSv1.3",
            "ssl.cipher.suites": "TLS_CHACHA20_POLY1305_SHA256",
          },
          action: "describe-cluster",
        },
        { name: "fips-approved", config: fips, action: "describe-cluster" },
      ]);
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
    it("the OAuth listener refuses a forged token and an expired one", () => {
      for (const name of ["forged-token", "expired-token"])
        expect(refused[name], name).toMatchObject({
          ok: false,
          error: "org.apache.kafka.common.errors.SaslAuthenticationException",
        });
      expect(refused["expired-token"]?.message).toMatch(/expired/i);
    });
    it("a FIPS cluster serves approved suites and refuses a client that offers only ChaCha20", () => {
      expect(refused["fips-approved"]).toMatchObject({ ok: true });
      expect(refused["fips-chacha20"]).toMatchObject({
        ok: false,
        error: "org.apache.kafka.common.errors.SslAuthenticationException",
      });
    });
  });

  describe("FIPS", () => {
    it("runs the brokers on BouncyCastle FIPS in approved-only mode", async () => {
      const node = cluster(env, FIPS).nodes[0];
      const cmdline = await readFile(`/proc/${await pidOf(node?.logFile ?? "")}/cmdline`, "utf8").catch(
        () => "",
      );
      expect(cmdline).toContain("-Dorg.bouncycastle.fips.approved_only=true");
      expect(cmdline).toMatch(/bc-fips-[\d.]+\.jar/);
    });
    it("restricts the Connect worker and every client it creates to the FIPS suites, and its connectors consume", async () => {
      const etl = cluster(env, FIPS).connect.find((k) => k.name === "etl");
      expect(etl?.urls.length).toBe(1);
      const log = await readFile(etl?.workers[0]?.logFile ?? "", "utf8");
      for (const client of ["ProducerConfig", "ConsumerConfig", "AdminClientConfig"]) {
        const section = log.split(`${client} values:`)[1]?.split(/\n\[\d{4}-/)[0] ?? "";
        expect(section, client).toContain(
          "ssl.cipher.suites = [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256",
        );
        expect(section, client).toContain("ssl.enabled.protocols = [TLSv1.3, TLSv1.2]");
      }
      // A sink on the FIPS worker reads what the user wrote, as the rendered Connect user.
      const sinkFile = join(dir, "fips-sink.txt");
      const connectors = join(dir, "fips-connectors");
      await writeConnectorFiles(connectors, etl?.urls[0] ?? "", sinkFile);
      const apply = await runKiln(
        ["connectors", "apply", "--dir", "fips-connectors", "--wait", "--wait-timeout", "120"],
        {
          cwd: dir,
          env: process.env,
        },
      );
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const produced = await run([
        {
          name: "fips-produce",
          config: userConfig(cluster(env, FIPS), USER.mtls, "mtls"),
          action: "produce",
          topic: "allowed",
        },
      ]);
      expect(produced["fips-produce"]).toMatchObject({ ok: true });
      await eventually(
        "records in the FIPS sink's file",
        async () =>
          (await readFile(sinkFile, "utf8").catch(() => "")).includes("fips-produce") ? true : undefined,
        {
          timeoutMs: 60_000,
          intervalMs: 1000,
        },
      );
    });
  });
});

/** The pid of the process writing `logFile` (kiln up starts each node with its log as stdout). */
async function pidOf(logFile: string): Promise<number> {
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const target = await readlink(`/proc/${pid}/fd/1`).catch(() => "");
    if (target === logFile) return Number(pid);
  }
  throw new Error(`no process writes ${logFile}`);
}

async function writeConnectorFiles(dir: string, url: string, file: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "_target.yaml"),
    `apiVersion: kiln.dev/v1\nkind: ConnectTarget\nname: etl\nurls: [${url}]\n`,
  );
  await writeFile(
    join(dir, "fips-sink.yaml"),
    `apiVersion: kiln.dev/v1
kind: Connector
name: fips-sink
connectCluster: etl
plugin: { name: kafka-connect-file, class: org.apache.kafka.connect.file.FileStreamSinkConnector }
config:
  topics: allowed
  file: ${file}
  key.converter: org.apache.kafka.connect.storage.StringConverter
  value.converter: org.apache.kafka.connect.storage.StringConverter
`,
  );
}
