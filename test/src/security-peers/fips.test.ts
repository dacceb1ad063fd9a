import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BC_FIPS_JARS, bcfksKeyStore, type FipsJvm, fipsJvm, resolveJarSet } from "@kiln/connectors/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaClients, writeClientConfig } from "../harness/kafka/clients.js";
import { type KafkaNode, startKafka } from "../harness/kafka/index.js";
import { type CertFiles, issue, selfSigned } from "../harness/tls.js";

describe("FIPS: a broker and its clients on BouncyCastle FIPS (approved-only) speak TLS with approved suites only", () => {
  let dir: string;
  let ca: CertFiles;
  let fips: FipsJvm;
  let broker: KafkaNode;
  let clients: KafkaClients;

  /** SSL clients with these TLS settings, on the FIPS JVM or (fips: false) on the JDK's own providers. */
  const tlsClients = async (name: string, tls: Record<string, string>, onFips = true) => {
    const configFile = await writeClientConfig(join(dir, `${name}.properties`), {
      "security.protocol": "SSL",
      "ssl.truststore.type": "PEM",
      "ssl.truststore.location": ca.pem,
      ...tls,
    });
    return clients.with({ configFile, jvmArgs: onFips ? fips.jvmArgs : [] });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-fips-"));
    ca = await selfSigned(dir, "ca");
    const cert = await issue(dir, {
      name: "broker",
      ca,
      cn: "kafka-broker",
      ext: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
    });
    const jars = await resolveJarSet(BC_FIPS_JARS);
    fips = await fipsJvm({ dir: join(dir, "fips"), jars });
    const password = "kiln-fips-store-password-0123456789";
    const keystore = await bcfksKeyStore({
      jars,
      certFile: cert.pem,
      keyFile: cert.key,
      chainFile: ca.pem,
      out: join(dir, "broker.bcfks"),
      password,
    });
    broker = await startKafka({
      workDir: join(dir, "kafka"),
      jvmArgs: fips.jvmArgs,
      properties: {
        // startKafka's one client listener is named PLAINTEXT; mapping the name puts it on TLS.
        "listener.security.protocol.map": "PLAINTEXT:SSL,CONTROLLER:PLAINTEXT",
        // Kafka's PEM key store is PKCS12 in memory, whose key protection needs SunJCE: BCFKS instead.
        "ssl.keystore.type": "BCFKS",
        "ssl.keystore.location": keystore,
        "ssl.keystore.password": password,
        "ssl.key.password": password,
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": ca.pem,
        "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        // No ssl.cipher.suites: what the broker accepts is the FIPS provider's choice.
      },
    });
    clients = await KafkaClients.create();
  }, 10 * 60_000);

  afterAll(async () => {
    await broker?.stop();
    if (dir && !process.env.KILN_TEST_KEEP) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["TLSv1.3", "TLS_AES_256_GCM_SHA384"],
    ["TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
  ])("completes a %s handshake on %s and carries records", async (protocol, suite) => {
    const c = await tlsClients(`fips-${protocol}`, {
      "ssl.protocol": protocol,
      "ssl.enabled.protocols": protocol,
      "ssl.cipher.suites": suite,
    });
    await c.produce(broker.bootstrap, `fips-${protocol}`, 2, "r");
    expect(await c.endOffsets(broker.bootstrap, `fips-${protocol}`)).toStrictEqual([
      { topic: `fips-${protocol}`, partition: 0, offset: 2 },
    ]);
  });

  it("refuses a client offering only ChaCha20-Poly1305, with the handshake's own error", async () => {
    const chacha = {
      "default.api.timeout.ms": "5000",
      "request.timeout.ms": "5000",
      "ssl.protocol": "TLSv1.3",
      "ssl.enabled.protocols": "TLSv1.3",
      "ssl.cipher.suites": "TLS_CHACHA20_POLY1305_SHA256",
    };
    // A client on the JDK's own providers offers it; the broker's FIPS JSSE has no such suite.
    const jdk = await tlsClients("jdk-chacha", chacha, false);
    await expect(jdk.listTopics(broker.bootstrap)).rejects.toThrow(
      /SSLHandshakeException: Received fatal alert: handshake_failure/,
    );
    // BCJSSE's own words on the broker's side (it logs through java.util.logging to the broker's stderr).
    expect(await readFile(broker.logFile, "utf8")).toContain("handshake_failure(40); [server #");
    expect(await readFile(broker.logFile, "utf8")).toMatch(
      /found no selectable cipher suite among the 1 offered: \[\{0x13,0x03\}\(TLS_CHACHA20_POLY1305_SHA256\)\]/,
    );
    // A client on the FIPS JVM cannot even offer it.
    const onFips = await tlsClients("fips-chacha", chacha);
    await expect(onFips.listTopics(broker.bootstrap)).rejects.toThrow(
      /IllegalStateException: No usable cipher suites enabled/,
    );
  });
});
