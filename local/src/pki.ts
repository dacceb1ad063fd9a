// Certificate authorities and certificates for a local cluster, issued with openssl the way
// Strimzi's operators issue them: a cluster CA for nodes and Strimzi's components, a clients
// CA for users. Keys are unencrypted PKCS#8 PEM in files only the owner may read; Kafka reads
// them through `ssl.keystore.type=PEM`.
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { LocalRuntimeError } from "./errors.js";

const run = promisify(execFile);

export interface Ca {
  name: string;
  cert: string;
  key: string;
}

export interface IssuedCert {
  cert: string;
  key: string;
  /** The private key followed by the certificate and its CA: a Kafka PEM keystore. */
  keystore: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args, { maxBuffer: 4 * 1024 * 1024 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === "ENOENT")
      throw new LocalRuntimeError("openssl is not installed: kiln up issues certificates with it");
    throw new LocalRuntimeError(`openssl ${args[0]} failed: ${e.stderr ?? String(err)}`);
  }
}

/** Subject in openssl's `/O=…/CN=…` form, so the RFC 2253 principal reads `CN=…,O=…`. */
function subject(cn: string, o?: string): string {
  const esc = (v: string) => v.replace(/[/\\]/g, (c) => `\\${c}`);
  return `${o ? `/O=${esc(o)}` : ""}/CN=${esc(cn)}`;
}

export async function createCa(dir: string, name: string, cn: string): Promise<Ca> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-days",
    "30",
    "-keyout",
    key,
    "-out",
    cert,
    "-subj",
    subject(cn, "io.strimzi"),
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await chmod(key, 0o600);
  return { name, cert, key };
}

export interface CertRequest {
  /** File name stem under the directory. */
  name: string;
  cn: string;
  o?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Serial number, unique per CA. */
  serial: number;
}

export async function issue(dir: string, ca: Ca, req: CertRequest): Promise<IssuedCert> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const f = (ext: string) => join(dir, `${req.name}.${ext}`);
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f("key"),
    "-out",
    f("csr"),
    "-subj",
    subject(req.cn, req.o),
  ]);
  await chmod(f("key"), 0o600);
  const san = [
    ...(req.dnsNames ?? []).map((n) => `DNS:${n}`),
    ...(req.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  await writeFile(
    f("ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      ...(san.length > 0 ? [`subjectAltName=${san.join(",")}`] : []),
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    f("csr"),
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-set_serial",
    String(req.serial),
    "-sha256",
    "-days",
    "30",
    "-out",
    f("crt"),
    "-extfile",
    f("ext"),
  ]);
  const keystore = f("pem");
  const [key, cert, caCert] = await Promise.all([
    readFile(f("key"), "utf8"),
    readFile(f("crt"), "utf8"),
    readFile(ca.cert, "utf8"),
  ]);
  await writeFile(keystore, `${key.trimEnd()}\n${cert.trimEnd()}\n${caCert.trimEnd()}\n`, { mode: 0o600 });
  return { cert: f("crt"), key: f("key"), keystore };
}
