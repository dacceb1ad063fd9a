import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, describe, expect, it } from "vitest";
import { BODY_TIMEOUT, BODY_TOO_LARGE, HEADERS_TIMEOUT, HttpPool } from "./http-pool.js";

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const pool = (idleTimeoutMs = 5_000) =>
  new HttpPool({ maxSockets: 4, connectTimeoutMs: 2_000, idleTimeoutMs, maxRedirects: 2 });

describe("HttpPool", () => {
  it("follows a GET's redirect to another origin without its authorization header", async () => {
    const seen: Array<string | undefined> = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.end("blob");
    });
    const registry = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(307, { location: `${storage}/blob?sig=x` }).end();
    });
    const p = pool();
    const res = await p.send(`${registry}/v2/a/blobs/x`, {
      method: "GET",
      headers: { authorization: "Bearer t" },
    });
    expect([res.status, res.body.toString()]).toEqual([200, "blob"]);
    expect(seen).toEqual(["Bearer t", undefined]);
    await p.close();
  });

  it("hands back a request's redirect when it has a body, and the last one past maxRedirects", async () => {
    const loop = await serve((req, res) => res.writeHead(302, { location: req.url ?? "/" }).end());
    const p = pool();
    expect((await p.send(`${loop}/x`, { method: "PUT", headers: {}, body: "data" })).status).toBe(302);
    expect((await p.send(`${loop}/x`, { method: "GET", headers: {} })).status).toBe(302);
    await p.close();
  });

  it("pipes a stream body and hands over the answer's body unread when asked", async () => {
    const echo = await serve(async (req, res) => res.end((await text(req)).toUpperCase()));
    const p = pool();
    const res = await p.send(`${echo}/`, {
      method: "PUT",
      headers: {},
      body: Readable.from(["a", "b", "c"]),
      streamWhen: (s) => s === 200,
    });
    expect(res.body.length).toBe(0);
    expect(await text(res.stream as Readable)).toBe("ABC");
    await p.close();
  });

  it("stops reading an answer longer than maxBodyBytes", async () => {
    const endless = await serve((_req, res) => {
      res.writeHead(200);
      const more = () => {
        while (res.write(Buffer.alloc(64 * 1024))) {}
        res.once("drain", more);
      };
      more();
    });
    const p = new HttpPool({
      maxSockets: 1,
      connectTimeoutMs: 2_000,
      idleTimeoutMs: 5_000,
      maxBodyBytes: 1 << 20,
    });
    await expect(p.send(`${endless}/`, { method: "GET", headers: {} })).rejects.toMatchObject({
      code: BODY_TOO_LARGE,
    });
    await p.close();
  });

  it("names a server that never answers, and one that stalls within its answer", async () => {
    const silent = await serve(() => {});
    const stalls = await serve((_req, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("12345");
    });
    const p = pool(200);
    await expect(p.send(`${silent}/`, { method: "GET", headers: {} })).rejects.toMatchObject({
      code: HEADERS_TIMEOUT,
    });
    await expect(p.send(`${stalls}/`, { method: "GET", headers: {} })).rejects.toMatchObject({
      code: BODY_TIMEOUT,
    });
    const handedOver = await p.send(`${stalls}/`, { method: "GET", headers: {}, streamWhen: () => true });
    await expect(text(handedOver.stream as Readable)).rejects.toMatchObject({ code: BODY_TIMEOUT });
    await p.close();
  });
});
