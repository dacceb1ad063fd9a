import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DeadlineError, OperationTimeoutError } from "@kiln/schemas";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DownloadError } from "../errors.js";
import { LoopbackServer } from "../testing/server.js";
import { HttpClient } from "./http.js";

let a: LoopbackServer;
let b: LoopbackServer;
let dir: string;
const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
const sha512 = createHash("sha512").update(body).digest("hex");

beforeEach(async () => {
  a = await new LoopbackServer().start();
  b = await new LoopbackServer().start();
  dir = await mkdtemp(join(tmpdir(), "kiln-http-"));
});
afterEach(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const client = (opts = {}) => new HttpClient({ allowInsecureLoopback: true, backoffMs: 5, ...opts });

/** A body that trickles `chunk` bytes every `everyMs` (a slow-loris server), until the client leaves. */
function trickle(total: number, chunk: number, everyMs: number) {
  return (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-length": total });
    let sent = 0;
    const t = setInterval(() => {
      if (res.destroyed || sent >= total) return clearInterval(t);
      res.write(body.subarray(sent, sent + chunk));
      sent += chunk;
    }, everyMs);
    res.on("close", () => clearInterval(t));
  };
}

describe("HttpClient: every wait bounded (real loopback server)", () => {
  it("gives up on a body that trickles (one byte at a time never trips the gap timeout)", async () => {
    a.route("/slow", trickle(body.length, 1, 20));
    const http = client({ stallMs: 300, stallBytes: 1024, retries: 1 });
    const err = await http.download(`${a.url}/slow`, join(dir, "f")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/the download stalled: fewer than 1024 bytes in 0\.3s/);
    expect(a.count("/slow")).toBe(2);
  });

  it("stops at the command's deadline, naming the download, whatever it was waiting for", async () => {
    a.route("/hang", () => {});
    a.route("/slow", trickle(body.length, 2048, 50));
    for (const path of ["/hang", "/slow"]) {
      const stop = new AbortController();
      setTimeout(() => stop.abort(new DeadlineError("250ms")), 250);
      const err = await client({ signal: stop.signal })
        .download(`${a.url}${path}?token=s3cr3t`, join(dir, "f"))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationTimeoutError);
      expect((err as Error).message).toBe(
        `gave up after 250ms (--timeout) while downloading ${a.url}${path}?token=***`,
      );
    }
  });
});

describe("HttpClient.download (real loopback server)", () => {
  it("follows a redirect to another host and drops Authorization there", async () => {
    a.route("/start", (_req, res) => res.writeHead(302, { location: `${b.url}/file` }).end());
    b.file("/file", body);
    const http = client();
    const got = await http.download(`${a.url}/start`, join(dir, "f"), {
      headers: { authorization: "Bearer secret" },
    });
    expect(got.sha512).toBe(sha512);
    expect(a.requests[0]?.headers.authorization).toBe("Bearer secret");
    expect(b.requests[0]?.headers.authorization).toBeUndefined();
    expect(http.stats.requests).toBe(2);
  });

  it("keeps Authorization on a same-host redirect", async () => {
    a.route("/start", (_req, res) => res.writeHead(301, { location: "/file" }).end());
    a.file("/file", body);
    await client().download(`${a.url}/start`, join(dir, "f"), {
      headers: { authorization: "Bearer secret" },
    });
    expect(a.requests.map((r) => r.headers.authorization)).toStrictEqual(["Bearer secret", "Bearer secret"]);
  });

  it("retries a 5xx, then succeeds", async () => {
    let calls = 0;
    a.route("/flaky", (_req, res) => {
      if (++calls <= 2) res.writeHead(503).end("busy");
      else res.writeHead(200, { "content-length": body.length }).end(body);
    });
    const got = await client().download(`${a.url}/flaky`, join(dir, "f"));
    expect(got.sha512).toBe(sha512);
    expect(calls).toBe(3);
  });

  it("gives up after the retries with the status", async () => {
    a.route("/down", (_req, res) => res.writeHead(500).end());
    const err = await client({ retries: 2 })
      .download(`${a.url}/down`, join(dir, "f"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).status).toBe(500);
    expect(a.count("/down")).toBe(3);
  });

  it("does not retry a 404", async () => {
    const err = await client()
      .download(`${a.url}/missing`, join(dir, "f"))
      .catch((e: unknown) => e);
    expect((err as DownloadError).message).toMatch(/not found \(404\)/);
    expect(a.count()).toBe(1);
  });

  it("waits out a slow server that trickles its body", async () => {
    a.route("/slow", async (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      for (let i = 0; i < body.length; i += 50_000) {
        res.write(body.subarray(i, i + 50_000));
        await sleep(150);
      }
      res.end();
    });
    const progress: number[] = [];
    const got = await client({ timeoutMs: 2_000 }).download(`${a.url}/slow`, join(dir, "f"), {
      onProgress: (n) => progress.push(n),
    });
    expect(got.sha512).toBe(sha512);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toBe(body.length);
  });

  it("times out a server that stalls, and says so", async () => {
    a.route("/stall", (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 1000));
    });
    const err = await client({ timeoutMs: 200, retries: 1 })
      .download(`${a.url}/stall`, join(dir, "f"))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toMatch(/BODY_TIMEOUT|timeout/i);
    expect(a.count("/stall")).toBe(2);
  });

  it("resumes a truncated body with Range when the server allows it", async () => {
    let calls = 0;
    a.route("/cut", (req, res) => {
      calls++;
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (m) {
        const from = Number(m[1]);
        res.writeHead(206, { "accept-ranges": "bytes", "content-length": body.length - from });
        res.end(body.subarray(from));
        return;
      }
      res.writeHead(200, { "accept-ranges": "bytes", "content-length": body.length });
      res.write(body.subarray(0, 70_000), () => res.destroy());
    });
    // A short timeout: should the cut go unnoticed on a loaded machine, the client times out and resumes anyway.
    const got = await client({ timeoutMs: 2_000 }).download(`${a.url}/cut`, join(dir, "f"));
    expect(got.sha512).toBe(sha512);
    expect(calls).toBe(2);
    expect(a.requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(a.requests[1]?.headers.range?.slice(6, -1))).toBeGreaterThan(0);
    expect(await readFile(join(dir, "f"))).toStrictEqual(body);
  });

  it("starts over after a truncated body when the server cannot resume", async () => {
    let calls = 0;
    a.route("/cut", (_req, res) => {
      res.writeHead(200, { "content-length": body.length });
      if (++calls === 1) res.write(body.subarray(0, 70_000), () => res.destroy());
      else res.end(body);
    });
    const got = await client().download(`${a.url}/cut`, join(dir, "f"));
    expect(got.sha512).toBe(sha512);
    expect(a.requests.every((r) => r.headers.range === undefined)).toBe(true);
  });

  it.each([
    ["http:// to a remote host", "http://example.com/a.jar", { allowInsecureLoopback: true }],
    [
      "http:// to loopback without the test switch",
      "http://127.0.0.1:1/a.jar",
      { allowInsecureLoopback: false },
    ],
    ["ftp://", "ftp://example.com/a.jar", {}],
  ])("refuses %s", async (_n, url, opts) => {
    const http = new HttpClient(opts);
    await expect(http.download(url, join(dir, "f"))).rejects.toThrow(/refusing to download over/);
    expect(http.stats.requests).toBe(0);
  });

  it("refuses a redirect from https to http", async () => {
    const http = new HttpClient({ allowInsecureLoopback: false });
    expect(() => http.checkUrl("http://evil.example/x")).toThrow(/must use https/);
  });
});
