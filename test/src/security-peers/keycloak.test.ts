import { createSign, generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, resolveJarSet, STRIMZI_OAUTH_JARS } from "@kiln/connectors/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaClients, writeClientConfig } from "../harness/kafka/clients.js";
import { type KafkaNode, startKafka } from "../harness/kafka/index.js";
import { jdkHostsFile } from "../harness/security/hosts.js";
import { withKafkaLibs } from "../harness/security/kafka-libs.js";
import { type Keycloak, kafkaAuthzRealm, startKeycloak } from "../harness/security/keycloak.js";
import { type CertFiles, issue, pemKeyStore, selfSigned } from "../harness/tls.js";

const SSO_HOST = "sso.example.com";
const SSO_IP = "127.14.2.2";
const ORDERS = { clientId: "orders-app", secret: "orders-app-secret-5f1c", roles: ["orders-writer"] };
const BILLING = { clientId: "billing-app", secret: "billing-app-secret-9a2e" };
const BROKER = { clientId: "kafka", secret: "kafka-broker-secret-77d0" };

const realm = kafkaAuthzRealm({
  realm: "kiln",
  broker: BROKER,
  users: [ORDERS, BILLING],
  resources: [
    { name: "Topic:orders", scopes: ["Create", "Write", "Read", "Describe"] },
    { name: "Cluster:*", scopes: ["IdempotentWrite"] },
  ],
  permissions: [
    {
      name: "orders writers produce orders",
      resources: ["Topic:orders"],
      scopes: ["Create", "Write", "Describe"],
      roles: ["orders-writer"],
    },
    {
      name: "billing sees orders",
      resources: ["Topic:orders"],
      scopes: ["Describe"],
      clients: [BILLING.clientId],
    },
    // Every producer needs it: without, an idempotent producer's InitProducerId makes Kafka ask
    // the authorizer for its ACLs, which KeycloakAuthorizer 0.15 answers with an exception unless
    // it delegates to Kafka's ACLs, so the client sees UNKNOWN_SERVER_ERROR instead of a denial.
    {
      name: "producers write idempotently",
      resources: ["Cluster:*"],
      scopes: ["IdempotentWrite"],
      roles: ["orders-writer"],
      clients: [BILLING.clientId],
    },
  ],
});

const jwtPart = (token: string, i: number) =>
  JSON.parse(Buffer.from(token.split(".")[i] as string, "base64url").toString()) as Record<string, unknown>;

/** The same header and claims as `token`, signed by a key Keycloak never published. */
function forge(token: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const [header, payload] = token.split(".");
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey, "base64url");
  return `${header}.${payload}.${signature}`;
}

describe("Keycloak: Strimzi OAuth (JWKS validation) and KeycloakAuthorizer on a real broker", () => {
  let dir: string;
  let ca: CertFiles;
  let keycloak: Keycloak;
  let broker: KafkaNode;
  let clients: KafkaClients;
  let hosts: string[];
  let oauthClasspath: string[];

  /** Kafka clients logging in through Strimzi's client callback handler, with a secret or a fixed token. */
  const oauthClients = async (name: string, credentials: string) => {
    const file = await writeClientConfig(join(dir, `${name}.properties`), {
      "security.protocol": "SASL_SSL",
      "sasl.mechanism": "OAUTHBEARER",
      "sasl.login.callback.handler.class":
        "io.strimzi.kafka.oauth.client.JaasClientOauthLoginCallbackHandler",
      "sasl.jaas.config":
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required " +
        `${credentials} oauth.ssl.truststore.location="${ca.pem}" oauth.ssl.truststore.type="PEM" ` +
        'oauth.username.claim="preferred_username";',
      "ssl.truststore.type": "PEM",
      "ssl.truststore.location": ca.pem,
    });
    return clients.with({ configFile: file, classpath: oauthClasspath, jvmArgs: hosts });
  };
  const withSecret = (u: { clientId: string; secret: string }) =>
    oauthClients(
      u.clientId,
      `oauth.token.endpoint.uri="${keycloak.tokenEndpoint}" oauth.client.id="${u.clientId}" oauth.client.secret="${u.secret}"`,
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-keycloak-"));
    ca = await selfSigned(dir, "ca");
    const ext = (san: string) => `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`;
    const sso = await issue(dir, { name: "sso", ca, cn: SSO_HOST, ext: ext(`DNS:${SSO_HOST}`) });
    const brokerCert = await issue(dir, { name: "broker", ca, cn: "kafka-broker", ext: ext("IP:127.0.0.1") });
    const port = await freePort(SSO_IP);
    keycloak = await startKeycloak({
      workDir: join(dir, "keycloak"),
      bind: { host: SSO_IP, port },
      hostname: `https://${SSO_HOST}:${port}`,
      tls: { certFile: sso.pem, keyFile: sso.key, caFile: ca.pem },
      realm,
    });
    hosts = await jdkHostsFile(join(dir, "hosts"), { [SSO_HOST]: SSO_IP });
    const oauth = await resolveJarSet(STRIMZI_OAUTH_JARS);
    oauthClasspath = oauth.files;
    const keystore = await pemKeyStore(dir, "broker", brokerCert);
    const trust = `oauth.ssl.truststore.location="${ca.pem}" oauth.ssl.truststore.type="PEM"`;
    broker = await withKafkaLibs(dir, [oauth], () =>
      startKafka({
        workDir: join(dir, "kafka"),
        jvmArgs: hosts,
        properties: {
          // startKafka's one client listener is named PLAINTEXT; mapping the name secures it.
          "listener.security.protocol.map": "PLAINTEXT:SASL_SSL,CONTROLLER:PLAINTEXT",
          "sasl.enabled.mechanisms": "OAUTHBEARER",
          "sasl.mechanism.inter.broker.protocol": "OAUTHBEARER",
          "listener.name.plaintext.oauthbearer.sasl.server.callback.handler.class":
            "io.strimzi.kafka.oauth.server.JaasServerOauthValidatorCallbackHandler",
          "listener.name.plaintext.oauthbearer.sasl.jaas.config":
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required " +
            `oauth.valid.issuer.uri="${keycloak.issuer}" oauth.jwks.endpoint.uri="${keycloak.jwksEndpoint}" ` +
            `oauth.username.claim="preferred_username" ${trust} unsecuredLoginStringClaim_sub="kafka-broker";`,
          "principal.builder.class": "io.strimzi.kafka.oauth.server.OAuthKafkaPrincipalBuilder",
          "ssl.keystore.type": "PEM",
          "ssl.keystore.location": keystore,
          "ssl.truststore.type": "PEM",
          "ssl.truststore.location": ca.pem,
          "authorizer.class.name": "io.strimzi.kafka.oauth.server.authorizer.KeycloakAuthorizer",
          "strimzi.authorization.token.endpoint.uri": keycloak.tokenEndpoint,
          "strimzi.authorization.client.id": "kafka",
          "strimzi.authorization.ssl.truststore.location": ca.pem,
          "strimzi.authorization.ssl.truststore.type": "PEM",
          "strimzi.authorization.delegate.to.kafka.acl": "false",
          // The broker's own controller channel (PLAINTEXT in this test).
          "super.users": "User:ANONYMOUS",
        },
      }),
    );
    clients = await KafkaClients.create();
  }, 20 * 60_000);

  afterAll(async () => {
    await broker?.stop();
    await keycloak?.stop();
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it("issues client-credentials tokens whose service-account name is the Kafka principal, and introspects them", async () => {
    const token = await keycloak.token(ORDERS.clientId, ORDERS.secret);
    expect(jwtPart(token, 1)).toMatchObject({
      iss: keycloak.issuer,
      azp: ORDERS.clientId,
      aud: BROKER.clientId,
      preferred_username: `service-account-${ORDERS.clientId}`,
    });
    await expect(keycloak.token(ORDERS.clientId, "wrong")).rejects.toThrow(
      /401.*unauthorized_client|invalid_client/,
    );
    // The broker's client may introspect (the alternative to JWKS validation); a forgery is inactive.
    expect(await keycloak.introspect(token, BROKER.clientId, BROKER.secret)).toMatchObject({
      active: true,
      aud: BROKER.clientId,
      preferred_username: `service-account-${ORDERS.clientId}`,
    });
    expect(await keycloak.introspect(forge(token), BROKER.clientId, BROKER.secret)).toStrictEqual({
      active: false,
    });
  });

  it("lets a client in with Strimzi's login handler and allows the operations Keycloak grants", async () => {
    const orders = await withSecret(ORDERS);
    await orders.produce(broker.bootstrap, "orders", 3, "order");
    expect(await orders.endOffsets(broker.bootstrap, "orders")).toStrictEqual([
      { topic: "orders", partition: 0, offset: 3 },
    ]);
  });

  it("refuses an operation Keycloak does not grant", async () => {
    const billing = await withSecret(BILLING);
    await expect(billing.produce(broker.bootstrap, "orders", 1, "bill")).rejects.toThrow(
      /TopicAuthorizationException: Not authorized to access topics: \[orders\]/,
    );
  });

  it("refuses a forged token", async () => {
    const forged = forge(await keycloak.token(ORDERS.clientId, ORDERS.secret));
    const intruder = await oauthClients("intruder", `oauth.access.token="${forged}"`);
    await expect(intruder.listTopics(broker.bootstrap)).rejects.toThrow(/SaslAuthenticationException/);
    expect(await readFile(broker.logFile, "utf8")).toMatch(
      /Failed authentication with \/127\.0\.0\.1 .*Signature check failed: Invalid token signature/,
    );
  });
});
