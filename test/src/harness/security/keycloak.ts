import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { cachedDirectory, freePort, resolveJarSet } from "@kiln/runtime";
import { Agent, request } from "undici";
import { testCacheDir } from "../cache.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

const run = promisify(execFile);

export const KEYCLOAK_VERSION = "26.7.3";

const JVM_DIR = "/usr/lib/jvm";

/**
 * A Java 21+ home for Keycloak 26 (Kafka's runtime stays on Java 17): KILN_TEST_JAVA21_HOME, else
 * the newest JDK under /usr/lib/jvm whose `release` says 21 or later (this machine image and CI
 * carry Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64).
 */
export function keycloakJavaHome(): string {
  const major = (home: string) => {
    const release = join(home, "release");
    if (!existsSync(join(home, "bin", "java")) || !existsSync(release)) return 0;
    const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(release, "utf8"));
    return m ? Number(m[1]) : 0;
  };
  const override = process.env.KILN_TEST_JAVA21_HOME;
  if (override) {
    if (major(override) >= 21) return override;
    throw new Error(
      `KILN_TEST_JAVA21_HOME=${override} is not a Java 21 or newer home (Keycloak 26 needs one)`,
    );
  }
  const homes = existsSync(JVM_DIR) ? readdirSync(JVM_DIR).map((d) => join(JVM_DIR, d)) : [];
  const best = homes.map((h) => ({ h, v: major(h) })).sort((a, b) => b.v - a.v)[0];
  if (best && best.v >= 21) return best.h;
  throw new Error(
    `Keycloak ${KEYCLOAK_VERSION} needs Java 21 or newer, and no JDK under ${JVM_DIR} is (found: ${
      homes.join(", ") || "none"
    }). Install one (e.g. Temurin 25 at ${JVM_DIR}/temurin-25-jdk-amd64) or set KILN_TEST_JAVA21_HOME.`,
  );
}

/** Keycloak's own start script with the Java it needs. */
async function kc(home: string, args: string[], javaHome: string): Promise<void> {
  try {
    await run(join(home, "bin", "kc.sh"), args, {
      env: { ...process.env, ...jvmEnv(javaHome) },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 20 * 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`kc.sh ${args[0]} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }
}

/**
 * kc.sh's JVM settings: its default heap (RSS settles near 450 MB), and C1 only: on 2 cores that
 * halves the CPU a start costs (about 41 → 25 CPU-seconds), and a test server never runs long
 * enough to gain from C2.
 */
const jvmEnv = (javaHome: string) => ({
  JAVA_HOME: javaHome,
  JAVA_OPTS_KC_HEAP: "-Xms64m -Xmx512m",
  JAVA_OPTS_APPEND: "-XX:TieredStopAtLevel=1",
});
/** Build-time options: the server image `kc.sh build` bakes (anything else given at start would rebuild it). */
const BUILD_OPTIONS = ["--db=dev-file", "--health-enabled=true"];

/**
 * `org.keycloak:keycloak-quarkus-dist` from Maven Central (through ~/.m2 and its settings),
 * unpacked, built once for production mode (`kc.sh build`) and its database initialised with the
 * master realm (`kc.sh export`), cached in ~/.cache/kiln-test/keycloak-<version>/ — so that a
 * start only imports its own realm.
 */
export async function keycloakDistribution(version = KEYCLOAK_VERSION): Promise<string> {
  const javaHome = keycloakJavaHome();
  const root = join(testCacheDir(), `keycloak-${version}`);
  await cachedDirectory(root, async (staging) => {
    const zip = await resolveJarSet(
      {
        name: `keycloak-dist-${version}`,
        artifacts: [{ groupId: "org.keycloak", artifactId: "keycloak-quarkus-dist", version, type: "zip" }],
        transitive: false,
      },
      testCacheDir(),
    );
    await run("unzip", ["-q", zip.files[0] as string, "-d", staging], { maxBuffer: 16 * 1024 * 1024 });
    const home = join(staging, `keycloak-${version}`);
    await kc(home, ["build", ...BUILD_OPTIONS], javaHome);
    const out = await mkdtemp(join(staging, "export-"));
    await kc(home, ["export", "--optimized", `--dir=${out}`, "--realm=master"], javaHome);
    await rm(out, { recursive: true, force: true });
    await rm(join(home, "data", "transaction-logs"), { recursive: true, force: true });
  });
  return join(root, `keycloak-${version}`);
}

/**
 * A copy of the built distribution for one server: the large, read-only parts hard-linked (a copy
 * where that fails), the build output, configuration and database copied, the realm to import.
 */
async function instanceHome(dist: string, home: string, realm: KeycloakRealm): Promise<void> {
  try {
    await run("cp", ["-al", dist, home]);
  } catch {
    await rm(home, { recursive: true, force: true });
    await run("cp", ["-a", dist, home]);
  }
  for (const dir of ["conf", "data", join("lib", "quarkus")]) {
    await rm(join(home, dir), { recursive: true, force: true });
    await run("cp", ["-a", join(dist, dir), join(home, dir)]);
  }
  await mkdir(join(home, "data", "import"), { recursive: true });
  await writeFile(join(home, "data", "import", `${realm.realm}.json`), JSON.stringify(realm));
}

/** A realm representation, as `kc.sh import` and the admin console export it. */
export interface KeycloakRealm {
  realm: string;
  [key: string]: unknown;
}

export interface Keycloak {
  /** `<hostname>/realms/<realm>`: the `iss` of its tokens. */
  issuer: string;
  tokenEndpoint: string;
  jwksEndpoint: string;
  introspectionEndpoint: string;
  /** An access token for a confidential client, by the client-credentials grant. */
  token(clientId: string, secret: string): Promise<string>;
  /** What the introspection endpoint says of `token`, asked by a confidential client (the broker's). */
  introspect(token: string, clientId: string, secret: string): Promise<Record<string, unknown>>;
  process: ServiceProcess;
  stop(): Promise<void>;
}

export interface StartKeycloakOptions {
  workDir: string;
  /** The loopback address and HTTPS port it binds; its management interface takes another free port there. */
  bind: { host: string; port: number };
  /** The URL it is known by, e.g. `https://sso.example.com:8443` (map the name to `bind.host` for clients). */
  hostname: string;
  /** PEM certificate and key for `hostname`, and the CA that issued them (for the harness's own calls). */
  tls: { certFile: string; keyFile: string; caFile: string };
  realm: KeycloakRealm;
  timeoutMs?: number;
}

/**
 * Keycloak in production mode (`kc.sh start --optimized`): HTTPS only on `bind`, strict hostname,
 * a local cache (no cluster discovery), the realm imported at start. Ready once `/health/ready`
 * on the management interface answers UP.
 */
export async function startKeycloak(opts: StartKeycloakOptions): Promise<Keycloak> {
  const javaHome = keycloakJavaHome();
  const dist = await keycloakDistribution();
  const home = join(opts.workDir, "keycloak");
  await mkdir(opts.workDir, { recursive: true });
  await instanceHome(dist, home, opts.realm);
  const { host, port } = opts.bind;
  const managementPort = await freePort(host);
  const url = new URL(opts.hostname);
  const proc = await startProcess(
    `keycloak-${port}`,
    join(home, "bin", "kc.sh"),
    [
      "start",
      "--optimized",
      "--cache=local",
      "--http-enabled=false",
      `--http-host=${host}`,
      `--https-port=${port}`,
      `--http-management-port=${managementPort}`,
      `--https-certificate-file=${opts.tls.certFile}`,
      `--https-certificate-key-file=${opts.tls.keyFile}`,
      `--hostname=${opts.hostname}`,
      "--import-realm",
      "--log-level=INFO,io.smallrye.health:WARN",
    ],
    { logDir: opts.workDir, env: jvmEnv(javaHome) },
  );
  // Calls go to the bound address, presenting the host name for TLS: no DNS or hosts file needed.
  const agent = new Agent({
    connect: { ca: await readFile(opts.tls.caFile, "utf8"), servername: url.hostname },
  });
  const call = async (path: string, p: number, init: { method?: "POST"; body?: string } = {}) => {
    const res = await request(`https://${host}:${p}${path}`, {
      ...init,
      dispatcher: agent,
      headers: {
        host: url.host,
        ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };
  try {
    await waitFor(
      `Keycloak ${KEYCLOAK_VERSION} ready on ${host}:${managementPort}`,
      async () => (await call("/health/ready", managementPort)).status === 200,
      { timeoutMs: opts.timeoutMs ?? 300_000, intervalMs: 1000, service: proc },
    );
  } catch (err) {
    await proc.stop();
    await agent.close();
    throw err;
  }
  const base = `/realms/${encodeURIComponent(opts.realm.realm)}`;
  const post = (path: string, form: Record<string, string>) =>
    call(`${base}/protocol/openid-connect${path}`, port, {
      method: "POST",
      body: new URLSearchParams(form).toString(),
    });
  const issuer = `${opts.hostname.replace(/\/$/, "")}${base}`;
  return {
    issuer,
    tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
    jwksEndpoint: `${issuer}/protocol/openid-connect/certs`,
    introspectionEndpoint: `${issuer}/protocol/openid-connect/token/introspect`,
    async token(clientId, secret) {
      const res = await post("/token", {
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: secret,
      });
      if (res.status !== 200)
        throw new Error(`Keycloak refused a token for ${clientId}: ${res.status} ${res.text}`);
      return (JSON.parse(res.text) as { access_token: string }).access_token;
    },
    async introspect(token, clientId, secret) {
      const res = await post("/token/introspect", { token, client_id: clientId, client_secret: secret });
      if (res.status !== 200)
        throw new Error(`Keycloak refused introspection to ${clientId}: ${res.status} ${res.text}`);
      return JSON.parse(res.text) as Record<string, unknown>;
    },
    process: proc,
    async stop() {
      await proc.stop();
      await agent.close();
    },
  };
}

/** A confidential client standing for one Kafka user: its service account is the principal. */
export interface RealmUser {
  clientId: string;
  secret: string;
  /** Realm roles of its service account. */
  roles?: string[];
}

/** Who may do what on which Kafka resources (`Topic:orders`, `Group:*`, `Cluster:*`). */
export interface RealmPermission {
  name: string;
  resources: string[];
  /** Kafka operations as scopes (`Write`, `Describe`, …); all of the resources' scopes when absent. */
  scopes?: string[];
  /** Granted to these clients' service accounts … */
  clients?: string[];
  /** … or to holders of these realm roles. */
  roles?: string[];
}

export interface KafkaAuthzRealmOptions {
  realm: string;
  /** The broker's client: Authorization Services live on it; it also introspects tokens. */
  broker: { clientId: string; secret: string };
  users: RealmUser[];
  /** Resources with the scopes they offer. */
  resources: Array<{ name: string; scopes: string[] }>;
  permissions: RealmPermission[];
  accessTokenLifespan?: number;
}

/**
 * Puts `audience` in the client's access tokens: Keycloak 26 introspects a token only for a client
 * in its `aud` ("Client '…' is not in the token audience"), and brokers may check the audience.
 */
const audienceMapper = (audience: string) => ({
  name: `${audience} audience`,
  protocol: "openid-connect",
  protocolMapper: "oidc-audience-mapper",
  config: {
    "included.client.audience": audience,
    "access.token.claim": "true",
    "introspection.token.claim": "true",
  },
});

const confidentialClient = (clientId: string, secret: string) => ({
  clientId,
  enabled: true,
  publicClient: false,
  clientAuthenticatorType: "client-secret",
  secret,
  serviceAccountsEnabled: true,
  standardFlowEnabled: false,
  directAccessGrantsEnabled: false,
});

/**
 * A realm for Strimzi's KeycloakAuthorizer, modelled on strimzi-kafka-oauth's kafka-authz example:
 * client-credentials clients for Kafka users, a broker client holding Authorization Services
 * (resources named `Type:pattern` with Kafka operations as scopes, client and role policies,
 * scope or resource permissions, AFFIRMATIVE across permissions).
 */
export function kafkaAuthzRealm(o: KafkaAuthzRealmOptions): KeycloakRealm {
  const roles = [...new Set(o.users.flatMap((u) => u.roles ?? []))];
  const policies = o.permissions.flatMap((p) => {
    const applied: Array<{ name: string; type: string; config: Record<string, string> }> = [];
    if (p.clients)
      applied.push({
        name: `${p.name}: clients`,
        type: "client",
        config: { clients: JSON.stringify(p.clients) },
      });
    if (p.roles) {
      const list = p.roles.map((id) => ({ id, required: false }));
      applied.push({ name: `${p.name}: roles`, type: "role", config: { roles: JSON.stringify(list) } });
    }
    if (applied.length === 0) throw new Error(`permission ${p.name} names no clients and no roles`);
    const permission = {
      name: p.name,
      type: p.scopes ? "scope" : "resource",
      config: {
        resources: JSON.stringify(p.resources),
        ...(p.scopes ? { scopes: JSON.stringify(p.scopes) } : {}),
        applyPolicies: JSON.stringify(applied.map((a) => a.name)),
      },
    };
    return [...applied, permission].map((x) => ({
      ...x,
      logic: "POSITIVE",
      decisionStrategy: "AFFIRMATIVE",
    }));
  });
  const scopes = [...new Set(o.resources.flatMap((r) => r.scopes))];
  return {
    realm: o.realm,
    enabled: true,
    sslRequired: "external",
    accessTokenLifespan: o.accessTokenLifespan ?? 300,
    roles: { realm: roles.map((name) => ({ name })) },
    users: [...o.users, o.broker].map((u) => ({
      username: `service-account-${u.clientId}`,
      enabled: true,
      serviceAccountClientId: u.clientId,
      realmRoles: "roles" in u ? (u.roles ?? []) : [],
    })),
    clients: [
      ...o.users.map((u) => ({
        ...confidentialClient(u.clientId, u.secret),
        protocolMappers: [audienceMapper(o.broker.clientId)],
      })),
      {
        ...confidentialClient(o.broker.clientId, o.broker.secret),
        authorizationServicesEnabled: true,
        authorizationSettings: {
          allowRemoteResourceManagement: true,
          policyEnforcementMode: "ENFORCING",
          decisionStrategy: "AFFIRMATIVE",
          scopes: scopes.map((name) => ({ name })),
          resources: o.resources.map((r) => ({
            name: r.name,
            type: r.name.split(":")[0],
            scopes: r.scopes.map((name) => ({ name })),
          })),
          policies,
        },
      },
    ],
  };
}
