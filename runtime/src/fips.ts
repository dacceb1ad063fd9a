import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { javaBin } from "./jars.js";
import type { JarSet } from "./maven.js";

const run = promisify(execFile);

/** The BouncyCastle FIPS jars' own module names (they are modular; see `BC_FIPS_JARS`). */
const BC_FIPS_MODULES = [
  "org.bouncycastle.fips.core",
  "org.bouncycastle.fips.util",
  "org.bouncycastle.fips.pkix",
  "org.bouncycastle.fips.tls",
];

/**
 * The JCA/JSSE providers of a FIPS JVM: BouncyCastle FIPS for all cryptography, its JSSE in FIPS
 * mode over it, and SUN only for what holds no cryptography of its own (JAAS login configuration,
 * policy, the JKS/CaseExactJKS formats). No other JDK provider is registered.
 */
const FIPS_PROVIDERS = [
  "org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider",
  "org.bouncycastle.jsse.provider.BouncyCastleJsseProvider fips:BCFIPS",
  "SUN",
];

/** Security properties that name JDK-provider algorithms, restated for the FIPS providers. */
const FIPS_PROPERTIES: Record<string, string> = {
  // SunX509 is SunJSSE's; BCJSSE's key managers are PKIX.
  "ssl.KeyManagerFactory.algorithm": "PKIX",
  "ssl.TrustManagerFactory.algorithm": "PKIX",
  "securerandom.strongAlgorithms": "DEFAULT:BCFIPS",
  // BCFKS is the FIPS key store format; PKCS12's password-based protection is not approved.
  "keystore.type": "BCFKS",
};

/**
 * A complete `java.security` for a FIPS JVM: the JDK's own file with its provider list and the
 * properties above replaced, everything else (disabled algorithms, policy) kept. Pure.
 */
export function fipsSecurityProperties(jdkJavaSecurity: string): string {
  const replaced = new Set(Object.keys(FIPS_PROPERTIES));
  const kept = jdkJavaSecurity.split("\n").filter((line) => {
    const key = /^\s*([^#!\s=:][^=:\s]*)\s*[=:]/.exec(line)?.[1];
    return !(key && (key.startsWith("security.provider.") || replaced.has(key)));
  });
  return [
    ...kept,
    "# FIPS 140-3: BouncyCastle FIPS in approved-only mode (written by kiln)",
    ...FIPS_PROVIDERS.map((p, i) => `security.provider.${i + 1}=${p}`),
    ...Object.entries(FIPS_PROPERTIES).map(([k, v]) => `${k}=${v}`),
    "",
  ].join("\n");
}

export interface FipsJvm {
  /**
   * JVM flags for a broker, worker or client on Java 17: the BouncyCastle FIPS modules on the module
   * path (whatever the classpath), the security properties replaced (`==`), approved-only mode.
   */
  jvmArgs: string[];
  /** The `java.security` the flags point at. */
  securityFile: string;
}

/** The `java.home` of the JVM `javaBin()` runs, as that JVM reports it. */
async function javaHome(java: string): Promise<string> {
  const { stderr } = await run(java, ["-XshowSettings:properties", "-version"]);
  const home = /^\s*java\.home = (.+)$/m.exec(stderr)?.[1];
  if (!home) throw new Error(`${java} -XshowSettings:properties reported no java.home`);
  return home;
}

/**
 * The format of the JDK's default trust store (`lib/security/cacerts`): JKS (magic FEEDFEED, as
 * Debian's is) or PKCS12. With BCFKS as the default key store type, a TLS context without a trust
 * store of its own (a listener without client authentication) would read it as BCFKS and fail.
 */
async function cacertsType(home: string): Promise<string> {
  const head = await readFile(join(home, "lib", "security", "cacerts")).catch(() => Buffer.alloc(0));
  return head.length >= 4 && head.readUInt32BE(0) === 0xfeedfeed ? "JKS" : "PKCS12";
}

/**
 * Writes `<dir>/java.security` for the JVM that `javaBin()` runs and returns the flags that make
 * BouncyCastle FIPS (`jars`: `BC_FIPS_JARS` resolved) its only cryptographic provider, in
 * approved-only mode. TLS then runs on BCJSSE: FIPS suites only (no ChaCha20), keys and
 * certificates of approved sizes. Key stores must be BCFKS (`bcfksKeyStore`): Kafka's PEM key store
 * is a PKCS12 one in memory, whose key protection needs the JDK's SunJCE, which is not registered.
 */
export async function fipsJvm(opts: { dir: string; jars: JarSet; java?: string }): Promise<FipsJvm> {
  const securityFile = join(opts.dir, "java.security");
  await mkdir(opts.dir, { recursive: true });
  const home = await javaHome(opts.java ?? javaBin());
  await writeFile(
    securityFile,
    fipsSecurityProperties(await readFile(join(home, "conf", "security", "java.security"), "utf8")),
  );
  const jars = opts.jars.files.filter((f) => f.endsWith(".jar"));
  return {
    securityFile,
    jvmArgs: [
      "--module-path",
      jars.join(":"),
      "--add-modules",
      BC_FIPS_MODULES.join(","),
      `-Djava.security.properties==${securityFile}`,
      "-Dorg.bouncycastle.fips.approved_only=true",
      `-Djavax.net.ssl.trustStoreType=${await cacertsType(home)}`,
    ],
  };
}

const BC_FIPS_PROVIDER = "org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider";

/**
 * A BCFKS key store (`ssl.keystore.type=BCFKS`) holding a PEM key and certificate chain under
 * `alias`, for a FIPS JVM (see `fipsJvm`): openssl bundles them as PKCS12, keytool converts that
 * with BouncyCastle FIPS as an added provider. BCFKS protects keys with PBKDF2 and AES, both
 * approved; use a long password (approved-only mode refuses short PBKDF2 passwords).
 */
export async function bcfksKeyStore(opts: {
  jars: JarSet;
  certFile: string;
  keyFile: string;
  /** Certificates to append to the chain (the issuing CA). */
  chainFile?: string;
  out: string;
  password: string;
  alias?: string;
}): Promise<string> {
  const bcFips = opts.jars.files.find((f) => /\/bc-fips-[^/]*\.jar$/.test(f));
  if (!bcFips) throw new Error(`no bc-fips jar in the jar set ${opts.jars.name}`);
  const java = javaBin();
  const keytool = java.includes("/") ? join(dirname(java), "keytool") : "keytool";
  const p12 = `${opts.out}.p12.tmp`;
  const transit = "kiln-transit-password"; // only on the intermediate file, removed below
  const alias = opts.alias ?? "kafka";
  try {
    await run("openssl", [
      "pkcs12",
      "-export",
      "-in",
      opts.certFile,
      "-inkey",
      opts.keyFile,
      ...(opts.chainFile ? ["-certfile", opts.chainFile] : []),
      "-name",
      alias,
      "-out",
      p12,
      "-passout",
      `pass:${transit}`,
    ]);
    await rm(opts.out, { force: true });
    await run(keytool, [
      "-importkeystore",
      "-noprompt",
      "-srckeystore",
      p12,
      "-srcstoretype",
      "PKCS12",
      "-srcstorepass",
      transit,
      "-destkeystore",
      opts.out,
      "-deststoretype",
      "BCFKS",
      "-deststorepass",
      opts.password,
      // The key keeps its source password unless told otherwise.
      "-destkeypass",
      opts.password,
      "-providername",
      "BCFIPS",
      "-providerclass",
      BC_FIPS_PROVIDER,
      "-providerpath",
      bcFips,
    ]);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`making the BCFKS key store ${opts.out} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, {
      cause: err,
    });
  } finally {
    await rm(p12, { force: true });
  }
  return opts.out;
}
