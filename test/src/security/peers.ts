import { createSign, generateKeyPairSync } from "node:crypto";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Keycloak, kafkaAuthzRealm, startKeycloak } from "../harness/security/keycloak.js";
import { type Opa, startOpa } from "../harness/security/opa.js";
import { type CertFiles, issue, pkcs12TrustStore, selfSigned } from "../harness/tls.js";

// The authorization server and OPA of the security suite, each on a loopback address and port of
// its own under a host name of the `kiln.test` domain the Cluster files use; `kiln up --add-host`
// makes the brokers resolve those names.
export const SSO = { host: "sso.kiln.test", ip: "127.250.0.10", port: 8443 };
export const OPA = { host: "opa.kiln.test", ip: "127.250.0.11", port: 8181 };
export const ISSUER = `https://${SSO.host}:${SSO.port}/realms/kafka`;
export const OPA_URL = `https://${OPA.host}:${OPA.port}/v1/data/kafka/authz/allow`;

/** OAuth clients: their service accounts are the Kafka principals `service-account-<clientId>`. */
export const APP = { clientId: "kafka-app", secret: "kafka-app-secret-3b7e" };
export const SHORT_LIVED = { clientId: "kafka-app-brief", secret: "kafka-app-brief-secret-81c4" };
export const BROKER_CLIENT = { clientId: "kafka", secret: "kafka-broker-secret-0d9a" };

/** Keycloak's grants for the OAuth user: the same least privilege the KafkaUsers carry as ACLs. */
const realm = (() => {
  const r = kafkaAuthzRealm({
    realm: "kafka",
    broker: BROKER_CLIENT,
    users: [APP, SHORT_LIVED],
    resources: [
      { name: "Topic:allowed", scopes: ["Create", "Write", "Read", "Describe"] },
      { name: "Group:allowed-*", scopes: ["Read", "Describe"] },
      { name: "Cluster:*", scopes: ["IdempotentWrite"] },
    ],
    permissions: [
      {
        name: "app uses allowed",
        resources: ["Topic:allowed"],
        scopes: ["Write", "Read", "Describe"],
        clients: [APP.clientId],
      },
      {
        name: "app groups",
        resources: ["Group:allowed-*"],
        scopes: ["Read", "Describe"],
        clients: [APP.clientId],
      },
      // KeycloakAuthorizer 0.15 answers an idempotent producer's cluster check only when granted.
      {
        name: "app produces idempotently",
        resources: ["Cluster:*"],
        scopes: ["IdempotentWrite"],
        clients: [APP.clientId],
      },
    ],
  });
  // A client whose tokens expire after one second: for the expired-token refusal.
  const clients = r.clients as { clientId: string; attributes?: Record<string, string> }[];
  const brief = clients.find((c) => c.clientId === SHORT_LIVED.clientId);
  if (brief) brief.attributes = { ...brief.attributes, "access.token.lifespan": "1" };
  return r;
})();

export interface SecurityPeers {
  ca: CertFiles;
  keycloak: Keycloak;
  opa?: Opa;
  /** `--secrets` directory for the clusters: the authorization server's CA and OPA's trust store. */
  secretsDir: string;
  stop(): Promise<void>;
}

/** The CA of both peers, Keycloak with the realm, and the Secrets the Cluster files reference. */
export async function startSecurityPeers(dir: string): Promise<Omit<SecurityPeers, "opa">> {
  const ca = await selfSigned(join(dir, "pki"), "peers-ca", "/O=kiln test/CN=peers-ca");
  const ext = (host: string) => `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`;
  const sso = await issue(join(dir, "pki"), { name: "sso", ca, cn: SSO.host, ext: ext(SSO.host) });
  const keycloak = await startKeycloak({
    workDir: join(dir, "keycloak"),
    bind: { host: SSO.ip, port: SSO.port },
    hostname: `https://${SSO.host}:${SSO.port}`,
    tls: { certFile: sso.pem, keyFile: sso.key, caFile: ca.pem },
    realm,
  });
  // Secrets as the Cluster files name them, laid out <namespace>/<secret>/<key>.
  const secretsDir = join(dir, "secrets");
  await mkdir(join(secretsDir, "kafka", "sso-ca"), { recursive: true });
  await copyFile(ca.pem, join(secretsDir, "kafka", "sso-ca", "ca.crt"));
  const trustDir = join(secretsDir, "kafka", "opa-truststore");
  await mkdir(trustDir, { recursive: true });
  const password = "opa-truststore-password-4e21";
  await pkcs12TrustStore(trustDir, "truststore", ca.pem, password);
  await writeFile(join(trustDir, "truststore.password"), password);
  return { ca, keycloak, secretsDir, stop: () => keycloak.stop() };
}

/** OPA serving the policy kiln rendered, over TLS from the peers' CA. */
export async function startOpaWith(dir: string, ca: CertFiles, rego: string): Promise<Opa> {
  const cert = await issue(join(dir, "pki"), {
    name: "opa",
    ca,
    cn: OPA.host,
    ext: `subjectAltName=DNS:${OPA.host}\nextendedKeyUsage=serverAuth\n`,
  });
  return startOpa({
    workDir: join(dir, "opa"),
    bind: { host: OPA.ip, port: OPA.port },
    tls: { certFile: cert.pem, keyFile: cert.key },
    policies: { "kafka-authz.rego": rego },
  });
}

/** The same header and claims as `token`, signed by a key the authorization server never published. */
export function forge(token: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const [header, payload] = token.split(".");
  const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(privateKey, "base64url");
  return `${header}.${payload}.${signature}`;
}

/** Client settings for an OAuth login through Strimzi's client handler, with a secret or a fixed token. */
export function oauthLogin(
  ca: CertFiles,
  credentials: { clientId: string; secret: string } | { token: string },
) {
  const login =
    "token" in credentials
      ? `oauth.access.token="${credentials.token}"`
      : `oauth.token.endpoint.uri="${ISSUER}/protocol/openid-connect/token" oauth.client.id="${credentials.clientId}" oauth.client.secret="${credentials.secret}"`;
  return {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "OAUTHBEARER",
    "sasl.login.callback.handler.class": "io.strimzi.kafka.oauth.client.JaasClientOauthLoginCallbackHandler",
    "sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${login} oauth.ssl.truststore.location="${ca.pem}" oauth.ssl.truststore.type="PEM" oauth.username.claim="preferred_username";`,
    "ssl.keystore.location": null,
    "ssl.keystore.type": null,
  } as Record<string, string | null>;
}
