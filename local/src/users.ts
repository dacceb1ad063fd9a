// Users of a local cluster, made as Strimzi's User Operator makes them: certificates from the
// clients CA or SCRAM-SHA-512 passwords in the user's Secret, then credentials, ACLs and quotas
// through the Admin API (KilnUserOperator.java) as the user operator's own identity.
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { UserModel } from "@kiln/clusters/strimzi";
import { compileJava, javaBin, javaFlags, propertiesText } from "@kiln/runtime";
import { type ClusterFiles, scramPassword } from "./cluster.js";
import { LocalRuntimeError } from "./errors.js";
import { issue } from "./pki.js";
import type { ClusterPlan, LocalListener } from "./plan.js";
import type { SecretStore } from "./secrets.js";

const run = promisify(execFile);
const USER_OPERATOR = fileURLToPath(new URL("../java/KilnUserOperator.java", import.meta.url));

export interface LocalUser {
  name: string;
  principal: string;
  credentials: UserModel["credentials"];
  /** Client properties per listener the user can authenticate on. */
  configs: Record<string, string>;
}

/** TLS settings a cluster restricts (FIPS): its clients must speak them too. */
const CLIENT_TLS_KEYS = ["ssl.enabled.protocols", "ssl.protocol", "ssl.cipher.suites"];

/** Which listeners accept a user's credentials. */
function accepts(l: LocalListener, u: UserModel): boolean {
  if (u.credentials === "certificate" || u.credentials === "external") return l.authentication === "tls";
  if (u.credentials === "scram") return l.authentication === "scram-sha-512";
  return false; // OAuth tokens come from the authorization server, not from kiln
}

/** Client properties for a principal on a listener: trust, then its certificate or SCRAM login. */
export function clientProperties(
  plan: ClusterPlan,
  l: LocalListener,
  trust: string,
  login: { keystore: string } | { username: string; credentials: string } | undefined,
): Record<string, string> {
  const props: Record<string, string> = {
    "bootstrap.servers": l.bootstrap,
    "security.protocol": l.securityProtocol,
  };
  if (l.tls) Object.assign(props, { "ssl.truststore.location": trust, "ssl.truststore.type": "PEM" });
  for (const k of CLIENT_TLS_KEYS) {
    const v = plan.kafka.spec.kafka.config[k];
    if (v !== undefined) props[k] = String(v);
  }
  if (login && "keystore" in login)
    Object.assign(props, { "ssl.keystore.location": login.keystore, "ssl.keystore.type": "PEM" });
  if (login && "username" in login)
    Object.assign(props, {
      "sasl.mechanism": "SCRAM-SHA-512",
      // The password stays in the user's Secret: the client reads it through a config provider.
      "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${login.username}" password="\${file:${login.credentials}:password}";`,
      "config.providers": "file",
      "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
    });
  return props;
}

/** The client properties of one of Strimzi's components, over the replication listener (9091). */
export async function operatorConfig(
  plan: ClusterPlan,
  files: ClusterFiles,
  keystore: string,
  file: string,
): Promise<string> {
  const props = {
    "bootstrap.servers": `${plan.name}-kafka-bootstrap.${plan.namespace}.svc:9091`,
    "security.protocol": "SSL",
    "ssl.truststore.location": files.clusterCa.cert,
    "ssl.truststore.type": "PEM",
    "ssl.keystore.location": keystore,
    "ssl.keystore.type": "PEM",
  };
  await writeFile(file, propertiesText(props), { mode: 0o600 });
  return file;
}

/** Credentials for every user, then the User Operator's Admin API calls. */
export async function applyUsers(
  plan: ClusterPlan,
  files: ClusterFiles,
  store: SecretStore,
  opts: { hostsFile: string; timeoutMs: number },
): Promise<LocalUser[]> {
  const dir = join(files.dir, "users");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const users: LocalUser[] = [];
  const scram: { user: string; passwordFile: string }[] = [];
  let serial = 1000;
  for (const u of plan.users) {
    const own = join(dir, u.name);
    await mkdir(own, { recursive: true, mode: 0o700 });
    let login: Parameters<typeof clientProperties>[3];
    if (u.credentials === "certificate" || u.credentials === "external") {
      // tls-external: a certificate the user brings; locally one from the clients CA stands in for it.
      const cert = await issue(own, files.clientsCa, { name: "user", cn: u.name, serial: serial++ });
      if (u.credentials === "certificate") {
        await store.putFile(u.name, "ca.crt", files.clientsCa.cert);
        await store.putFile(u.name, "user.crt", cert.cert);
        await store.putFile(u.name, "user.key", cert.key);
      }
      login = { keystore: cert.keystore };
    } else if (u.credentials === "scram") {
      const password = scramPassword(plan.scramPasswordLength);
      const passwordFile = await store.put(u.name, "password", password);
      await store.put(
        u.name,
        "sasl.jaas.config",
        `org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.name}" password="${password}";`,
      );
      const credentials = join(own, "credentials.properties");
      await writeFile(credentials, `password=${password}\n`, { mode: 0o600 });
      scram.push({ user: u.name, passwordFile });
      login = { username: u.name, credentials };
    }
    const configs: Record<string, string> = {};
    for (const l of plan.listeners.filter((x) => accepts(x, u))) {
      const file = join(own, `${l.name}.properties`);
      await writeFile(file, propertiesText(clientProperties(plan, l, files.clusterCa.cert, login)), {
        mode: 0o600,
      });
      configs[l.name] = file;
    }
    users.push({ name: u.name, principal: u.principal, credentials: u.credentials, configs });
  }

  const planFile = join(dir, "user-operator-plan.json");
  await writeFile(
    planFile,
    JSON.stringify({
      brokers: plan.nodes.filter((n) => n.broker).length,
      timeoutMs: opts.timeoutMs,
      scram,
      acls: plan.users.flatMap((u) => u.acls),
      quotas: plan.users
        .filter((u) => Object.keys(u.quotas).length > 0)
        .map((u) => ({ user: u.principal, quotas: u.quotas })),
    }),
    { mode: 0o600 },
  );
  const admin = await operatorConfig(
    plan,
    files,
    files.operators.userOperator,
    join(dir, "user-operator.properties"),
  );
  const { classpath } = await compileJava(USER_OPERATOR, { version: plan.version });
  try {
    await run(
      javaBin(),
      [
        ...javaFlags("128m"),
        `-Djdk.net.hosts.file=${opts.hostsFile}`,
        "-cp",
        classpath,
        "KilnUserOperator",
        admin,
        planFile,
      ],
      { timeout: opts.timeoutMs + 30_000, maxBuffer: 8 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stderr?: string };
    throw new LocalRuntimeError(
      `the user operator could not set up ${plan.name}'s users: ${e.stderr?.trim() || String(err)}`,
      {
        cause: err,
      },
    );
  }
  return users;
}
