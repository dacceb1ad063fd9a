import { execFile } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, get as httpGet, type Server } from "node:http";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../harness/ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../harness/process.js";
import { issue, selfSigned } from "../harness/tls.js";
import type { Service } from "./service.js";

const run = promisify(execFile);

declare module "vitest" {
  export interface ProvidedContext {
    /** `127.0.0.1:<port>`: Debian's docker-registry over http, no auth. */
    registryPlain: string;
    /** `127.0.0.1:<port>`: htpasswd Basic auth over TLS; trust `registryTlsCa`. */
    registryTls: string;
    registryTlsCa: string;
    /** `127.0.0.1:<port>`: token auth (JWTs from the test token server below), over http. */
    registryToken: string;
    registryTokenServer: string;
    registryUser: string;
    registryPassword: string;
  }
}

export const REGISTRY_USER = "kiln";

export interface RegistryOptions {
  dir: string;
  name: string;
  port?: number;
  htpasswd?: string;
  tls?: { cert: string; key: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface RunningRegistry {
  address: string;
  port: number;
  dir: string;
  proc: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts one `docker-registry serve` on loopback with filesystem storage (tests use this to run registries they may kill). */
export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  await mkdir(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(opts.dir, "data")}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString("hex")}`,
  ];
  if (opts.tls) lines.push("  tls:", `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
  if (opts.htpasswd) lines.push("auth:", "  htpasswd:", "    realm: kiln-test", `    path: ${opts.htpasswd}`);
  if (opts.token)
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${opts.token.realm}`,
      `    service: ${opts.token.service}`,
      `    issuer: ${opts.token.issuer}`,
      `    rootcertbundle: ${opts.token.rootCertBundle}`,
    );
  const config = join(opts.dir, "config.yml");
  await writeFile(config, `${lines.join("\n")}\n`);
  const proc = await startProcess(opts.name, "/usr/bin/docker-registry", ["serve", config], {
    logDir: opts.dir,
  });
  const address = `127.0.0.1:${port}`;
  const scheme = opts.tls ? "https" : "http";
  await waitFor(
    `${opts.name} on ${address}`,
    async () => {
      // Any HTTP answer (200, or 401 when auth is on) means it is serving; TLS is checked by the clients.
      const status = await httpStatus(`${scheme}://${address}/v2/`);
      return status === 200 || status === 401;
    },
    { service: proc, timeoutMs: 30_000 },
  );
  return { address, port, dir: opts.dir, proc, stop: () => proc.stop() };
}

/** The status of a GET (certificate not checked: only "is it up?"). */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https") ? httpsGet : httpGet)(
      url,
      { rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", reject);
  });
}

/** A CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
export async function makeTlsFiles(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = await selfSigned(dir, "ca", "/CN=kiln test CA");
  const server = await issue(dir, {
    name: "server",
    ca,
    cn: "127.0.0.1",
    ext: "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  });
  return { ca: ca.pem, cert: server.pem, key: server.key };
}

/** libtrust's key ID (what distribution matches a JWT's `kid` against): base32 of sha256(SPKI DER)[:30], in groups of 4. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const sum = createHash("sha256").update(spkiDer).digest().subarray(0, 30);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let s = "";
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      s += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) s += alphabet[(value << (5 - bits)) & 31];
  return (s.match(/.{1,4}/g) ?? []).join(":");
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/**
 * The test token server: a small stand-in for a real token issuer (e.g.
 * docker_auth). It checks Basic credentials and signs RS256 JWTs granting the
 * requested repository actions; the registry verifies them against its cert.
 */
export async function startTokenServer(opts: {
  dir: string;
  user: string;
  password: string;
  service: string;
  issuer: string;
}): Promise<{ url: string; realm: string; cert: string; issued: () => number; stop(): Promise<void> }> {
  await mkdir(opts.dir, { recursive: true });
  const { key, pem: cert } = await selfSigned(opts.dir, "token", `/CN=${opts.issuer}`);
  const privateKey = createPrivateKey(await readFile(key));
  const kid = libtrustKeyId(createPublicKey(privateKey).export({ type: "spki", format: "der" }) as Buffer);
  let issued = 0;
  let advertise = 300;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/config") {
      // Test knob: the expires_in advertised to clients from now on.
      advertise = Number(url.searchParams.get("expires_in") ?? 300);
      res.writeHead(204);
      res.end();
      return;
    }
    if (url.pathname === "/stats") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issued }));
      return;
    }
    const auth = req.headers.authorization;
    const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString("base64")}`;
    if (auth !== expected) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ details: "bad credentials" }));
      return;
    }
    const access = url.searchParams.getAll("scope").flatMap((s) => {
      const m = /^repository:([^:]+):(.+)$/.exec(s);
      return m ? [{ type: "repository", name: m[1], actions: (m[2] ?? "").split(",") }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid }));
    const claims = b64url(
      JSON.stringify({
        iss: opts.issuer,
        sub: opts.user,
        aud: url.searchParams.get("service") ?? opts.service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString("hex"),
        access,
      }),
    );
    const sig = b64url(sign("sha256", Buffer.from(`${header}.${claims}`), privateKey));
    issued++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: `${header}.${claims}.${sig}`, expires_in: advertise }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    cert,
    issued: () => issued,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Three registries: plain http, htpasswd Basic over TLS (test CA), and token auth (test token server). */
export const registry: Service = {
  name: "registry",
  async start({ workDir }) {
    const password = randomBytes(9).toString("base64url");
    await mkdir(workDir, { recursive: true });
    const htpasswd = join(workDir, "htpasswd");
    const { stdout } = await run("htpasswd", ["-Bbn", REGISTRY_USER, password]);
    await writeFile(htpasswd, stdout);
    const tls = await makeTlsFiles(join(workDir, "tls"));
    const service = "kiln-test-registry";
    const issuer = "kiln-test-token-server";
    const tokens = await startTokenServer({
      dir: join(workDir, "token"),
      user: REGISTRY_USER,
      password,
      service,
      issuer,
    });
    const [plain, basic, token] = await Promise.all([
      startRegistry({ dir: join(workDir, "plain"), name: "registry-plain" }),
      startRegistry({
        dir: join(workDir, "tls"),
        name: "registry-tls",
        htpasswd,
        tls: { cert: tls.cert, key: tls.key },
      }),
      startRegistry({
        dir: join(workDir, "token-registry"),
        name: "registry-token",
        token: { realm: tokens.realm, service, issuer, rootCertBundle: tokens.cert },
      }),
    ]);
    return {
      provide: {
        registryPlain: plain.address,
        registryTls: basic.address,
        registryTlsCa: tls.ca,
        registryToken: token.address,
        registryTokenServer: tokens.url,
        registryUser: REGISTRY_USER,
        registryPassword: password,
      },
      async stop() {
        await Promise.all([plain.stop(), basic.stop(), token.stop(), tokens.stop()]);
      },
    };
  },
};
