import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import {
  type ConnectWorker,
  compileJava,
  FILE_CONFIG_PROVIDER,
  resolveKafkaJars,
  startConnectWorker,
} from "../harness/kafka/index.js";
import { issue, pkcs12TrustStore, selfSigned } from "../harness/tls.js";

const run = promisify(execFile);

/** PEM files (CA, worker and kiln certificates) and the Java stores made from them. */
export interface SecuredMaterial {
  dir: string;
  caPem: string;
  clientPem: string;
  clientKey: string;
  /** A CA the workers do not trust, and a client certificate it signed. */
  rogueCaPem: string;
  rogueClientPem: string;
  rogueClientKey: string;
  storePassword: string;
  user: string;
  password: string;
}

/**
 * A CA, one worker certificate for 127.0.0.1 (server and client: workers forward requests to
 * the leader over the same mTLS listener), a client certificate for kiln, a rogue CA with its
 * own client certificate, and PKCS12 key and trust stores for the JVM.
 */
export async function securedMaterial(dir: string): Promise<SecuredMaterial> {
  const storePassword = "kiln-test-store";
  const ca = await selfSigned(dir, "ca");
  const rogueCa = await selfSigned(dir, "rogue-ca");
  const worker = await issue(dir, {
    name: "worker",
    ca,
    cn: "127.0.0.1",
    ext: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
  });
  const clientExt = "extendedKeyUsage=clientAuth\n";
  const kiln = await issue(dir, { name: "kiln", ca, cn: "kiln", ext: clientExt });
  const rogue = await issue(dir, { name: "rogue", ca: rogueCa, cn: "kiln", ext: clientExt });
  await run("openssl", [
    "pkcs12",
    "-export",
    "-in",
    worker.pem,
    "-inkey",
    worker.key,
    "-certfile",
    ca.pem,
    "-name",
    "worker",
    "-out",
    join(dir, "worker.p12"),
    "-passout",
    `pass:${storePassword}`,
  ]);
  await pkcs12TrustStore(dir, "trust", ca.pem, storePassword);
  return {
    dir,
    caPem: ca.pem,
    clientPem: kiln.pem,
    clientKey: kiln.key,
    rogueCaPem: rogueCa.pem,
    rogueClientPem: rogue.pem,
    rogueClientKey: rogue.key,
    storePassword,
    user: "kiln-deployer",
    password: "s3cret-connect-password-4711",
  };
}

/**
 * Kafka's Basic-auth REST extension (a jar from Maven Central). It goes on the classpath, not
 * plugin.path: JAAS loads its login module through the request thread's class loader.
 */
async function basicAuthJars(version: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await run(
    "mvn",
    [
      "-q",
      "-B",
      "dependency:copy",
      `-Dartifact=org.apache.kafka:connect-basic-auth-extension:${version}`,
      `-DoutputDirectory=${dir}`,
    ],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
  return `${dir}/*`;
}

/** A GET with kiln's client certificate and credentials: the readiness probe of a secured worker. */
export function securedProbe(m: SecuredMaterial): (url: string) => Promise<number> {
  let agent: Agent | undefined;
  return async (url) => {
    agent ??= new Agent({
      connect: {
        ca: await readFile(m.caPem, "utf8"),
        cert: await readFile(m.clientPem, "utf8"),
        key: await readFile(m.clientKey, "utf8"),
      },
    });
    const res = await request(url, {
      dispatcher: agent,
      headers: { authorization: `Basic ${Buffer.from(`${m.user}:${m.password}`).toString("base64")}` },
      headersTimeout: 5000,
    });
    await res.body.dump();
    return res.statusCode;
  };
}

/**
 * Two workers of a group of their own behind HTTPS with client certificates required and
 * Kafka's BasicAuthSecurityRestExtension: the REST API as a locked-down production cluster
 * exposes it.
 */
export async function startSecuredWorkers(opts: {
  bootstrap: string;
  version: string;
  workDir: string;
  material: SecuredMaterial;
}): Promise<ConnectWorker[]> {
  const { material: m } = opts;
  const jars = await resolveKafkaJars(opts.version);
  const basicAuth = await basicAuthJars(opts.version, join(opts.workDir, "basic-auth"));
  const users = join(m.dir, "users.properties");
  await writeFile(users, `${m.user}=${m.password}\n`);
  const jaas = join(m.dir, "connect-jaas.conf");
  await writeFile(
    jaas,
    `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${users}";\n};\n`,
  );
  const ssl = {
    "listeners.https.ssl.keystore.location": join(m.dir, "worker.p12"),
    "listeners.https.ssl.keystore.type": "PKCS12",
    "listeners.https.ssl.keystore.password": m.storePassword,
    "listeners.https.ssl.key.password": m.storePassword,
    "listeners.https.ssl.truststore.location": join(m.dir, "trust.p12"),
    "listeners.https.ssl.truststore.type": "PKCS12",
    "listeners.https.ssl.truststore.password": m.storePassword,
    "listeners.https.ssl.client.auth": "required",
    "rest.extension.classes":
      "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
  };
  const workers: ConnectWorker[] = [];
  try {
    for (const n of [1, 2]) {
      workers.push(
        await startConnectWorker({
          bootstrap: opts.bootstrap,
          groupId: "kiln-secured",
          workDir: opts.workDir,
          name: `secured-${n}`,
          version: opts.version,
          pluginPath: [jars.pluginsDir],
          classpath: [basicAuth],
          configProviders: { file: FILE_CONFIG_PROVIDER },
          properties: ssl,
          jvmArgs: [`-Djava.security.auth.login.config=${jaas}`],
          https: true,
          probe: securedProbe(m),
          timeoutMs: 90_000,
        }),
      );
    }
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.stop()));
    throw err;
  }
  return workers;
}

/**
 * One worker of a group of its own that requires a bearer token, through the
 * KilnBearerAuthExtension fixture (Kafka ships Basic auth only). Plain HTTP: TLS is covered above.
 */
export async function startBearerWorker(opts: {
  bootstrap: string;
  version: string;
  workDir: string;
  token: string;
}): Promise<ConnectWorker> {
  const jars = await resolveKafkaJars(opts.version);
  const source = fileURLToPath(new URL("./KilnBearerAuthExtension.java", import.meta.url));
  const { classpath } = await compileJava(source, { version: opts.version });
  // The extension is found through ServiceLoader, so it ships the registration javac does not write.
  const services = join(opts.workDir, "bearer-services");
  await mkdir(join(services, "META-INF", "services"), { recursive: true });
  await writeFile(
    join(services, "META-INF", "services", "org.apache.kafka.connect.rest.ConnectRestExtension"),
    "KilnBearerAuthExtension\n",
  );
  return startConnectWorker({
    bootstrap: opts.bootstrap,
    groupId: "kiln-bearer",
    workDir: opts.workDir,
    name: "bearer-1",
    version: opts.version,
    pluginPath: [jars.pluginsDir],
    // compileJava's classpath repeats Kafka's jars ahead of the compiled class: harmless.
    classpath: [classpath, services],
    properties: {
      "rest.extension.classes": "KilnBearerAuthExtension",
      "kiln.test.bearer.token": opts.token,
    },
    probe: async (url) => {
      const res = await request(url, {
        headers: { authorization: `Bearer ${opts.token}` },
        headersTimeout: 5000,
      });
      await res.body.dump();
      return res.statusCode;
    },
    timeoutMs: 90_000,
  });
}
