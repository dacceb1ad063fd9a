import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { fatPluginTgz, sha512 } from "@kiln/catalog/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { issue, selfSigned } from "../harness/tls.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../..");
const BIN = join(ROOT, "cli/bin/kiln.js");

let work: string;
let repo: string;
let server: Server;
let url: string;
let tgz: Buffer;
let requests = 0;
let caFile: string;

/** The installed command, as a user runs it, trusting the server's CA the way Node.js is told to. */
function kiln(args: string[], ca: string) {
  return run(process.execPath, [BIN, ...args], {
    cwd: repo,
    env: {
      PATH: process.env.PATH,
      HOME: work,
      KILN_CACHE: join(work, "cache"),
      NODE_EXTRA_CA_CERTS: ca,
      CI: "true",
    },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    }),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kiln-add-url-"));
  const ca = await selfSigned(join(work, "tls"), "ca");
  const cert = await issue(join(work, "tls"), {
    name: "server",
    ca,
    cn: "127.0.0.1",
    ext: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  });
  tgz = await fatPluginTgz("2.6.0");
  server = createServer({ cert: readFileSync(cert.pem), key: readFileSync(cert.key) }, (req, res) => {
    requests++;
    if (req.url !== "/releases/acme-connector-1.0.0.tar.gz") return res.writeHead(404).end();
    res.writeHead(200, { "content-length": tgz.length }).end(tgz);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/releases/acme-connector-1.0.0.tar.gz`;
  repo = join(work, "platform");
  mkdirSync(join(repo, "catalog/connectors"), { recursive: true });
  writeFileSync(
    join(repo, "catalog/license-policy.yaml"),
    readFileSync(join(ROOT, "catalog/license-policy.yaml")),
  );
  caFile = ca.pem;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("kiln catalog add from an https URL (loopback HTTPS server, the installed command)", () => {
  test("one download, an entry with every class, the bundled Kafka 2.6 jars reported with the fix, the lock written", async () => {
    const res = await kiln(["catalog", "add", url, "--owners", "platform-team"], caFile);
    expect(requests).toBe(1);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toContain("wrote catalog/connectors/acme.yaml");
    expect(res.stdout).toContain(
      "classes:      1 source, 1 sink, 3 converter, 1 header-converter, 1 transform",
    );
    expect(res.stdout).toContain("licence:      Apache-2.0 (from acme-connector/LICENSE.txt)");
    expect(res.stdout).toContain('`exclude: ["connect-json-*.jar"]` on its artifact');
    const entry = readFileSync(join(repo, "catalog/connectors/acme.yaml"), "utf8");
    expect(entry).toContain(`    url: ${url}\n    sha512: ${sha512(tgz)}\n`);
    const lock = JSON.parse(readFileSync(join(repo, "kiln.lock.json"), "utf8"));
    expect(lock.plugins.acme.artifacts[0].files[0].sha512).toBe(sha512(tgz));
    // Re-running refuses to add it twice, and says how to update it instead.
    const again = await kiln(["catalog", "add", url, "--owners", "platform-team"], caFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "kiln: the catalog already has an entry named acme (version 1.0.0); kiln catalog bump acme updates it, --name adds this one under another name\n",
    );
  });

  test("without the CA the download is refused: nothing is written", async () => {
    rmSync(join(repo, "catalog/connectors/acme.yaml"), { force: true });
    const res = await kiln(["catalog", "add", url, "--name", "acme-untrusted", "--owners", "t"], "/dev/null");
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /^kiln: https:\/\/127\.0\.0\.1:\d+\/.* download failed: the server's TLS certificate is not signed by a CA this machine trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); if it comes from a private CA, set NODE_EXTRA_CA_CERTS/m,
    );
    expect(() => readFileSync(join(repo, "catalog/connectors/acme-untrusted.yaml"))).toThrow();
  });

  test("on a terminal (util-linux script's pty) it asks for what nothing says: the owners", async () => {
    const child = spawn(
      "script",
      ["-qec", `${process.execPath} ${BIN} catalog add ${url} --name acme-tty`, "/dev/null"],
      {
        cwd: repo,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          KILN_CACHE: join(work, "cache"),
          NODE_EXTRA_CA_CERTS: caFile,
        },
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      const before = out;
      out += d.toString();
      if (!before.includes("Owners (comma-separated):") && out.includes("Owners (comma-separated):"))
        child.stdin.write("team-a\n");
    });
    const code = await new Promise<number | null>((r) => child.on("close", r));
    child.stdin.end();
    expect(code, out).toBe(1); // the fat package's bundled Kafka 2.6 jars are an error; the entry is written
    expect(out).toContain("locked acme-tty in kiln.lock.json");
    expect(readFileSync(join(repo, "catalog/connectors/acme-tty.yaml"), "utf8")).toContain(
      "owners: [team-a]\n",
    );
  });
});
