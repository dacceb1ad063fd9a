import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectClient } from "./client.js";
import { ConnectTlsError } from "./errors.js";
import { tlsRejection } from "./tls-probe.js";

const run = promisify(execFile);

// A real TLS peer on loopback (Node's https server requiring client certificates), with a CA
// and certificates made by openssl.
describe("tlsRejection", () => {
  let dir: string;
  let server: Server;
  let url: string;
  const pem: Record<string, string> = {};

  async function issue(name: string, ca: string, cn: string, ext: string) {
    const f = (n: string) => join(dir, n);
    await run("openssl", [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
      "-subj",
      `/CN=${cn}`,
    ]);
    await writeFile(f(`${name}.ext`), ext);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f(`${ca}.pem`),
      "-CAkey",
      f(`${ca}.key`),
      "-CAcreateserial",
      "-out",
      f(`${name}.pem`),
      "-days",
      "1",
      "-extfile",
      f(`${name}.ext`),
    ]);
    pem[`${name}.pem`] = await readFile(f(`${name}.pem`), "utf8");
    pem[`${name}.key`] = await readFile(f(`${name}.key`), "utf8");
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-tls-probe-"));
    for (const ca of ["ca", "rogue-ca"]) {
      await run("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, `${ca}.key`),
        "-out",
        join(dir, `${ca}.pem`),
        "-days",
        "1",
        "-subj",
        `/CN=${ca}`,
      ]);
      pem[`${ca}.pem`] = await readFile(join(dir, `${ca}.pem`), "utf8");
    }
    await issue("server", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1\n");
    await issue("client", "ca", "kiln", "extendedKeyUsage=clientAuth\n");
    await issue("rogue", "rogue-ca", "kiln", "extendedKeyUsage=clientAuth\n");
    server = createServer(
      {
        key: pem["server.key"],
        cert: pem["server.pem"],
        ca: pem["ca.pem"],
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.end("{}"),
    );
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const addr = server.address();
    if (!addr || typeof addr === "string") throw new Error("no address");
    url = `https://127.0.0.1:${addr.port}`;
  }, 30_000);
  afterAll(async () => {
    server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is undefined when the worker answers", async () => {
    expect(
      await tlsRejection(url, { ca: pem["ca.pem"], cert: pem["client.pem"], key: pem["client.key"] }),
    ).toBeUndefined();
  });

  it("names a missing client certificate", async () => {
    expect(await tlsRejection(url, { ca: pem["ca.pem"] })).toMatch(
      /requires a client certificate \(set tls\.certFile/,
    );
  });

  it("names a client certificate the worker does not trust", async () => {
    expect(
      await tlsRejection(url, { ca: pem["ca.pem"], cert: pem["rogue.pem"], key: pem["rogue.key"] }),
    ).toMatch(/does not accept kiln's client certificate/);
  });

  it("names a worker certificate kiln does not trust", async () => {
    expect(await tlsRejection(url, { ca: pem["rogue-ca.pem"] })).toMatch(
      /does not trust the worker's certificate/,
    );
  });

  it("makes the client fail with a ConnectTlsError, not a retried 'dropped connection'", async () => {
    const client = new ConnectClient({
      urls: [url],
      tls: { ca: pem["ca.pem"] },
      retry: { deadlineMs: 2000 },
    });
    try {
      const err = await client.serverInfo().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectTlsError);
      expect((err as Error).message).toMatch(/requires a client certificate/);
      expect(client.stats.retries).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("makes the client say when kiln does not trust the worker", async () => {
    const client = new ConnectClient({
      urls: [url],
      tls: { ca: pem["rogue-ca.pem"] },
      retry: { deadlineMs: 2000 },
    });
    try {
      const err = await client.serverInfo().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectTlsError);
      expect((err as Error).message).toMatch(/does not trust the Connect worker's certificate/);
    } finally {
      await client.close();
    }
  });
});
