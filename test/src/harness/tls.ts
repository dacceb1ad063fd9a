import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
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
