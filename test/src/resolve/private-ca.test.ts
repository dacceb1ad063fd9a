import { execFile } from "node:child_process";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cache, type Catalog, lockCatalog, readCatalog } from "@kiln/catalog";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../builder/fixtures.js";
import { issue, selfSigned } from "../harness/tls.js";
import { requireMavenCentral, TEST_KILN_CACHE } from "./network.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const kilnBin = join(root, "cli", "bin", "kiln.js");

/** The installed command in a process of its own: NODE_EXTRA_CA_CERTS is read when Node starts. */
function kiln(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [kilnBin, ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// The real Debezium PostgreSQL archive (from Maven Central, cached) served by an https server on
// loopback whose certificate comes from a private CA made by openssl — as a company Nexus or
// artifact store would serve it. The README's way to trust such a CA is what the test follows.
describe("downloads from a server with a private CA, through the kiln command", () => {
  let catalog: Catalog;
  let tgz: Buffer;
  let sha512: string;
  let digest: string;
  let server: Server;
  let base: string;
  let ca: string;
  let work: string;

  beforeAll(async () => {
    await requireMavenCentral();
    catalog = (await readCatalog(join(root, "catalog/connectors"), { cwd: root })).catalog as Catalog;
    const lock = await lockCatalog(catalog, undefined, ["debezium-postgres"], {
      cacheDir: TEST_KILN_CACHE,
      env: {},
    });
    digest = lock.plugins["debezium-postgres"]?.digest as string;
    sha512 = catalog.get("debezium-postgres")?.artifacts[0]?.sha512 as string;
    tgz = await readFile(new Cache(TEST_KILN_CACHE).pathOf(sha512));

    work = await tempDir("private-ca");
    const certs = join(work, "certs");
    const authority = await selfSigned(certs, "acme-root", "/CN=ACME private root");
    const cert = await issue(certs, {
      name: "artifacts",
      ca: authority,
      cn: "127.0.0.1",
      ext: "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    });
    ca = authority.pem;
    server = createServer({ cert: await readFile(cert.pem), key: await readFile(cert.key) }, (req, res) => {
      if (req.url === "/pg.tgz") {
        res.writeHead(200, { "content-length": tgz.length }).end(tgz);
        return;
      }
      if (req.url === "/slow.tgz") {
        // One byte every 200 ms: never a gap long enough for a body timeout.
        res.writeHead(200, { "content-length": tgz.length });
        let sent = 0;
        const t = setInterval(() => {
          if (res.destroyed) return clearInterval(t);
          res.write(tgz.subarray(sent, ++sent));
        }, 200);
        res.on("close", () => clearInterval(t));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  /** A repository whose one catalog entry is the Debezium archive at `path` on the private server. */
  async function repo(name: string, path: string): Promise<string> {
    const dir = join(work, name);
    await mkdir(join(dir, "catalog/connectors"), { recursive: true });
    await cp(join(root, "catalog/license-policy.yaml"), join(dir, "catalog/license-policy.yaml"));
    const entry = await readFile(join(root, "catalog/connectors/debezium-postgres.yaml"), "utf8");
    const artifact = entry.indexOf("artifacts:");
    const rest = entry.slice(entry.indexOf("\n", entry.indexOf("sha512:", artifact)) + 1);
    await writeFile(
      join(dir, "catalog/connectors/debezium-postgres.yaml"),
      `${entry.slice(0, artifact)}artifacts:\n  - type: tgz\n    url: ${base}${path}\n    sha512: "${sha512}"\n${rest}`,
    );
    return dir;
  }

  const env = (dir: string, extra: NodeJS.ProcessEnv = {}) => ({
    HOME: dir,
    PATH: process.env.PATH,
    KILN_CACHE: join(dir, "cache"),
    CI: "true",
    ...extra,
  });

  it("fails naming the fix without the CA, and locks with NODE_EXTRA_CA_CERTS as the README says", async () => {
    const dir = await repo("trusted", "/pg.tgz");
    const untrusted = await kiln(["lock"], dir, env(dir));
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(
      /download failed: the server's TLS certificate is not signed by a CA this machine trusts \([A-Z_]+\); if it comes from a private CA, set NODE_EXTRA_CA_CERTS to a PEM file holding it/,
    );
    const trusted = await kiln(["lock"], dir, env(dir, { NODE_EXTRA_CA_CERTS: ca }));
    expect(trusted.stderr).not.toMatch(/internal error/);
    expect(trusted.code).toBe(0);
    const lock = JSON.parse(await readFile(join(dir, "kiln.lock.json"), "utf8"));
    expect(lock.plugins["debezium-postgres"].digest).toBe(digest);
  });

  it("gives up on a body trickling one byte at a time at --timeout, naming the download", async () => {
    const dir = await repo("trickle", "/slow.tgz");
    const started = Date.now();
    const r = await kiln(["lock", "--timeout", "6s"], dir, env(dir, { NODE_EXTRA_CA_CERTS: ca }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `gave up after 6s \\(--timeout\\) while downloading ${base.replaceAll(".", "\\.")}/slow\\.tgz`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await readFile(join(dir, "kiln.lock.json")).catch(() => undefined)).toBeUndefined();
  });
});
