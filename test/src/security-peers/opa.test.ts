import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, OPA_AUTHORIZER_JARS, resolveJarSet } from "@kiln/connectors/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaClients, writeClientConfig } from "../harness/kafka/clients.js";
import { type KafkaNode, startKafka } from "../harness/kafka/index.js";
import { jdkHostsFile } from "../harness/security/hosts.js";
import { withKafkaLibs } from "../harness/security/kafka-libs.js";
import { type Opa, startOpa } from "../harness/security/opa.js";
import { issue, pemKeyStore, pkcs12TrustStore, selfSigned } from "../harness/tls.js";

const OPA_HOST = "opa.example.com";
const OPA_IP = "127.14.1.2";

// Keyed on principal (the client certificate's subject) and topic. The broker's own controller
// channel is PLAINTEXT here (ANONYMOUS); requests a broker forwards to the controller keep
// their client's principal, so the listener alone must not allow anything. An idempotent
// producer (the default) also needs IDEMPOTENT_WRITE on the cluster: the authorizer answers
// Kafka's "WRITE on any topic" question by asking OPA about a PREFIXED "" topic pattern, which
// this policy leaves denied.
const POLICY = `package kafka.authz

default allow := false

allow if {
  input.requestContext.listenerName == "CONTROLLER"
  principal == "ANONYMOUS"
}

allow if {
  principal == "CN=orders-app"
  input.action.resourcePattern.resourceType == "TOPIC"
  input.action.resourcePattern.name == "orders"
}

allow if {
  principal == "CN=orders-app"
  input.action.resourcePattern.resourceType == "CLUSTER"
  input.action.operation == "IDEMPOTENT_WRITE"
}

principal := input.requestContext.principal.name
`;

describe("OPA: Kafka's OpaAuthorizer asks a real OPA server over HTTPS with a private CA", () => {
  let dir: string;
  let opa: Opa;
  let broker: KafkaNode;
  let clients: KafkaClients;
  let asUser: (cn: string) => Promise<KafkaClients>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-opa-"));
    const ca = await selfSigned(dir, "ca");
    const serverExt = (san: string) => `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`;
    const opaCert = await issue(dir, { name: "opa", ca, cn: OPA_HOST, ext: serverExt(`DNS:${OPA_HOST}`) });
    const brokerCert = await issue(dir, {
      name: "broker",
      ca,
      cn: "kafka-broker",
      ext: serverExt("IP:127.0.0.1"),
    });
    const opaPort = await freePort(OPA_IP);
    opa = await startOpa({
      workDir: join(dir, "opa"),
      bind: { host: OPA_IP, port: opaPort },
      tls: { certFile: opaCert.pem, keyFile: opaCert.key },
      policies: { "kafka/authz.rego": POLICY },
    });
    const hosts = await jdkHostsFile(join(dir, "hosts"), { [OPA_HOST]: OPA_IP });
    const jars = await resolveJarSet(OPA_AUTHORIZER_JARS);
    const keystore = await pemKeyStore(dir, "broker", brokerCert);
    const opaTrust = await pkcs12TrustStore(dir, "opa-trust", ca.pem, "kiln-test-store");
    broker = await withKafkaLibs(dir, [jars], () =>
      startKafka({
        workDir: join(dir, "kafka"),
        jvmArgs: hosts,
        properties: {
          // startKafka's one client listener is named PLAINTEXT; mapping the name secures it (mTLS).
          "listener.security.protocol.map": "PLAINTEXT:SSL,CONTROLLER:PLAINTEXT",
          "ssl.keystore.type": "PEM",
          "ssl.keystore.location": keystore,
          "ssl.truststore.type": "PEM",
          "ssl.truststore.location": ca.pem,
          "ssl.client.auth": "required",
          "authorizer.class.name": "org.openpolicyagent.kafka.OpaAuthorizer",
          "opa.authorizer.url": `https://${OPA_HOST}:${opaPort}/v1/data/kafka/authz/allow`,
          // The authorizer's HTTP client trusts the JDK's CAs unless given a store (no PEM: a KeyStore type).
          "opa.authorizer.truststore.path": opaTrust,
          "opa.authorizer.truststore.password": "kiln-test-store",
          "opa.authorizer.truststore.type": "PKCS12",
        },
      }),
    );
    clients = await KafkaClients.create();
    asUser = async (cn) => {
      const cert = await issue(dir, { name: cn, ca, cn, ext: "extendedKeyUsage=clientAuth\n" });
      const config = await writeClientConfig(join(dir, `${cn}.properties`), {
        "security.protocol": "SSL",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": await pemKeyStore(dir, cn, cert),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": ca.pem,
      });
      return clients.with({ configFile: config });
    };
  }, 20 * 60_000);

  afterAll(async () => {
    await broker?.stop();
    await opa?.stop();
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it("allows a principal the policy grants the topic: its records are written", async () => {
    const orders = await asUser("orders-app");
    await orders.produce(broker.bootstrap, "orders", 3, "order");
    expect(await orders.endOffsets(broker.bootstrap, "orders")).toStrictEqual([
      { topic: "orders", partition: 0, offset: 3 },
    ]);
  });

  it("denies what the policy does not grant, with the broker's authorization error", async () => {
    const billing = await asUser("billing-app");
    await expect(billing.produce(broker.bootstrap, "orders", 1, "bill")).rejects.toThrow(
      /TopicAuthorizationException: Not authorized to access topics: \[orders\]/,
    );
    const orders = await asUser("orders-app");
    await expect(orders.produce(broker.bootstrap, "payments", 1, "pay")).rejects.toThrow(
      /TopicAuthorizationException: Not authorized to access topics: \[payments\]/,
    );
  });

  it("logs each question with the input document the authorizer sends", async () => {
    const decisions = await opa.decisions();
    const denied = decisions.find((d) => JSON.stringify(d.input).includes('"CN=billing-app"'));
    expect(denied).toMatchObject({
      path: "kafka/authz/allow",
      result: false,
      input: {
        action: {
          operation: "DESCRIBE",
          resourcePattern: { resourceType: "TOPIC", name: "orders", patternType: "LITERAL", unknown: false },
          resourceReferenceCount: 1,
          logIfAllowed: true,
          logIfDenied: true,
        },
        requestContext: {
          principal: { principalType: "User", name: "CN=billing-app" },
          listenerName: "PLAINTEXT",
          securityProtocol: "SSL",
          clientAddress: "/127.0.0.1",
          clientInformation: { softwareName: "apache-kafka-java", softwareVersion: "4.3.1" },
          header: { name: { clientId: "producer-1", requestApiKey: 3 } },
        },
      },
    });
  });
});
