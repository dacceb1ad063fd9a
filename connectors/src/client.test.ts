import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeadlineError, OperationTimeoutError } from "@kiln/schemas";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectClient, ConnectProtocolError } from "./client.js";
import {
  ConnectAlreadyExistsError,
  ConnectNotFoundError,
  ConnectRequestError,
  ConnectTimeoutError,
  ConnectUnreachableError,
} from "./errors.js";

type Reply = [number, unknown];
/** A reply sent as is: not JSON, or with headers of its own. */
class Raw {
  constructor(
    readonly text: string,
    readonly headers: Record<string, string> = { "content-type": "text/html" },
  ) {}
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback HTTP server answering with `replies` in order, recording each request. */
async function fake(
  replies: Reply[],
): Promise<{ url: string; seen: Array<{ method: string; url: string; auth?: string; body: string }> }> {
  const seen: Array<{ method: string; url: string; auth?: string; body: string }> = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      body,
    });
    const [status, payload] = replies.shift() ?? [500, { message: "no more replies" }];
    if (payload instanceof Raw) {
      res.writeHead(status, payload.headers).end(payload.text);
      return;
    }
    res
      .writeHead(status, { "content-type": "application/json" })
      .end(payload === undefined ? "" : JSON.stringify(payload));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const fast = { deadlineMs: 5000, baseDelayMs: 1, maxDelayMs: 5 };

describe("ConnectClient", () => {
  it("retries rebalance conflicts, then succeeds; counts writes", async () => {
    const s = await fake([
      [
        409,
        {
          error_code: 409,
          message: "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        },
      ],
      [500, { error_code: 500, message: "Request cannot be completed because a rebalance is expected" }],
      [201, { name: "a", config: {}, tasks: [] }],
    ]);
    const c = new ConnectClient({ urls: [s.url], retry: fast, auth: { type: "bearer", token: "t0k" } });
    await c.create("a", { "connector.class": "X" }, "STOPPED");
    expect(s.seen.map((r) => [r.method, r.url])).toStrictEqual(Array(3).fill(["POST", "/connectors"]));
    expect(JSON.parse(s.seen[0]?.body ?? "")).toStrictEqual({
      name: "a",
      config: { "connector.class": "X" },
      initial_state: "STOPPED",
    });
    expect(s.seen[0]?.auth).toBe("Bearer t0k");
    expect(c.stats).toStrictEqual({ reads: 0, writes: 3, retries: 2 });
    await c.close();
  });

  it("does not retry 'already exists' or 404", async () => {
    const s = await fake([
      [409, { error_code: 409, message: "Connector a already exists" }],
      [404, { error_code: 404, message: "Connector b not found" }],
    ]);
    const c = new ConnectClient({ urls: [s.url], retry: fast });
    await expect(c.create("a", {})).rejects.toBeInstanceOf(ConnectAlreadyExistsError);
    await expect(c.getConfig("b")).rejects.toBeInstanceOf(ConnectNotFoundError);
    expect(s.seen).toHaveLength(2);
    await c.close();
  });

  it("fails over to the next URL when a worker is unreachable; validate is not a write", async () => {
    const s = await fake([[200, { name: "X", error_count: 0, groups: [], configs: [] }]]);
    const c = new ConnectClient({ urls: ["http://127.0.0.1:1", s.url], retry: fast });
    await c.validate("X", { a: "b" });
    expect(s.seen[0]?.url).toBe("/connector-plugins/X/config/validate");
    expect(c.stats.writes).toBe(0);
    expect(c.activeUrl).toBe(s.url);
    await c.close();
  });

  it("validate takes a key Connect left without a value (null, as Debezium Db2's answer on Kafka 4.3.1 has)", async () => {
    const answer = {
      name: "X",
      error_count: 1,
      groups: [],
      configs: [
        { definition: { name: "a", type: "STRING" }, value: null },
        { definition: { name: "b", type: "STRING" }, value: { name: "b", errors: ["missing"] } },
      ],
    };
    const s = await fake([[200, answer]]);
    const c = new ConnectClient({ urls: [s.url], retry: fast });
    expect((await c.validate("X", {})).configs.map((x) => x.value?.errors ?? null)).toStrictEqual([
      null,
      ["missing"],
    ]);
    await c.close();
  });

  it("sends Basic auth and encodes names", async () => {
    const s = await fake([[204, undefined]]);
    const c = new ConnectClient({
      urls: [`${s.url}/`],
      auth: { type: "basic", username: "u", password: "p" },
    });
    await c.restart("a b/c", { includeTasks: true, onlyFailed: true });
    expect(s.seen[0]).toMatchObject({
      url: "/connectors/a%20b%2Fc/restart?includeTasks=true&onlyFailed=true",
      auth: `Basic ${Buffer.from("u:p").toString("base64")}`,
    });
    await c.close();
  });

  it("refuses answers it cannot use, saying what is wrong: HTML, wrong shapes, redirects", async () => {
    const s = await fake([
      [200, new Raw("<html><body>Sign in</body></html>")],
      [200, { connectors: ["a"] }],
      [200, { a: { status: { connector: { state: 3 }, tasks: [] } } }],
      [302, new Raw("", { location: "https://sso.example.com/login?token=abc" })],
      [200, { name: "a", connector: { state: "RUNNING" }, tasks: "none" }],
    ]);
    const c = new ConnectClient({ urls: [s.url], retry: fast });
    await expect(c.listNames()).rejects.toThrow(
      /the worker's answer is not JSON \(HTTP 200, starts "<html><body>Sign in<\/body><\/html>"\)/,
    );
    await expect(c.listNames()).rejects.toThrow(/answer is a mapping, not a list/);
    await expect(c.listExpanded()).rejects.toThrow(
      /answer\.a\.status\.connector\.state is a number, not a string/,
    );
    const redirect = await c.getConfig("a").catch((e: unknown) => e);
    expect(redirect).toBeInstanceOf(ConnectRequestError);
    expect((redirect as Error).message).toMatch(
      /redirect \(HTTP 302 to https:\/\/sso\.example\.com\/login\?token=\*\*\*\); kiln does not follow redirects/,
    );
    await expect(c.status("a")).rejects.toBeInstanceOf(ConnectProtocolError);
    await c.close();
  });

  it("stops at the command's deadline, naming the request: 409 forever, or no answer at all", async () => {
    const busy = await fake(Array(1000).fill([409, { message: "rebalance in progress" }]));
    const stop = new AbortController();
    setTimeout(() => stop.abort(new DeadlineError("300ms")), 300);
    const c = new ConnectClient({
      urls: [busy.url],
      retry: { ...fast, deadlineMs: 60_000 },
      signal: stop.signal,
    });
    const err = await c.listNames().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationTimeoutError);
    expect((err as Error).message).toMatch(
      /^gave up after 300ms \(--timeout\) while (retrying|waiting for) GET http:\/\/127\.0\.0\.1:\d+\/connectors/,
    );
    await c.close();

    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const hang = new AbortController();
    setTimeout(() => hang.abort(new DeadlineError("200ms")), 200);
    const h = new ConnectClient({
      urls: [`http://127.0.0.1:${(silent.address() as AddressInfo).port}`],
      signal: hang.signal,
    });
    await expect(h.serverInfo()).rejects.toThrow(
      /^gave up after 200ms \(--timeout\) while waiting for GET http:\/\/127\.0\.0\.1:\d+\/$/,
    );
    await h.close();
  });

  it("gives up on a silent worker after requestTimeoutMs, and on an answer cut short: reads retried, writes not", async () => {
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const s = new ConnectClient({
      urls: [`http://127.0.0.1:${(silent.address() as AddressInfo).port}`],
      requestTimeoutMs: 200,
      retry: fast,
    });
    const hung = await s.serverInfo().catch((e: unknown) => e);
    expect(hung).toBeInstanceOf(ConnectTimeoutError);
    expect((hung as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/: no answer from the Connect worker in time/,
    );
    await s.close();

    // Headers and half the body, then the connection drops.
    const cut = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"version":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    servers.push(cut);
    await new Promise<void>((r) => cut.listen(0, "127.0.0.1", r));
    const c = new ConnectClient({
      urls: [`http://127.0.0.1:${(cut.address() as AddressInfo).port}`],
      retry: { ...fast, deadlineMs: 500 },
    });
    const read = await c.serverInfo().catch((e: unknown) => e);
    expect(read).toBeInstanceOf(ConnectUnreachableError);
    expect((read as Error).message).toMatch(/dropped the connection \(ECONNRESET\)/);
    expect(c.stats.retries).toBeGreaterThan(0);
    const retries = c.stats.retries;
    const write = await c.pause("a").catch((e: unknown) => e);
    expect(write).toBeInstanceOf(ConnectTimeoutError);
    expect(c.stats.retries).toBe(retries);
    await c.close();
  });
});
