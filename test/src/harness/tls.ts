import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** PEM file paths of a certificate and its key. */
export interface CertFiles {
  pem: string;
  key: string;
}

/** A self-signed certificate `<dir>/<name>.pem` (a CA, or a signing key) made with openssl. */
export async function selfSigned(dir: string, name: string, subject = `/CN=${name}`): Promise<CertFiles> {
  await mkdir(dir, { recursive: true });
  const pem = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    pem,
    "-days",
    "2",
    "-subj",
    subject,
  ]);
  return { pem, key };
}

/** A certificate `<dir>/<name>.pem` for `cn` signed by `ca`, with the X.509 extensions in `ext`. */
export async function issue(
  dir: string,
  opts: { name: string; ca: CertFiles; cn: string; ext: string },
): Promise<CertFiles> {
  const f = (suffix: string) => join(dir, `${opts.name}.${suffix}`);
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    f("key"),
    "-out",
    f("csr"),
    "-subj",
    `/CN=${opts.cn}`,
  ]);
  await writeFile(f("ext"), opts.ext);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    f("csr"),
    "-CA",
    opts.ca.pem,
    "-CAkey",
    opts.ca.key,
    "-CAcreateserial",
    "-out",
    f("pem"),
    "-days",
    "2",
    "-extfile",
    f("ext"),
  ]);
  return { pem: f("pem"), key: f("key") };
}

/** `pem`'s certificate and key in one PEM file: a keystore Kafka loads with `ssl.keystore.type=PEM`. */
export async function pemKeyStore(dir: string, name: string, cert: CertFiles): Promise<string> {
  const file = join(dir, `${name}-keystore.pem`);
  await writeFile(file, (await readFile(cert.key, "utf8")) + (await readFile(cert.pem, "utf8")), {
    mode: 0o600,
  });
  return file;
}

/** A PKCS12 trust store `<dir>/<name>.p12` holding `caPem` (made with keytool), for Java code that takes no PEM. */
export async function pkcs12TrustStore(
  dir: string,
  name: string,
  caPem: string,
  password: string,
): Promise<string> {
  const file = join(dir, `${name}.p12`);
  await run("keytool", [
    "-importcert",
    "-noprompt",
    "-alias",
    "ca",
    "-file",
    caPem,
    "-keystore",
    file,
    "-storetype",
    "PKCS12",
    "-storepass",
    password,
  ]);
  return file;
}
