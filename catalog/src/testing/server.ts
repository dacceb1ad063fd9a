import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A real HTTP server on loopback that counts requests; routes by path, 404 otherwise. */
export class LoopbackServer {
  readonly requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }> = [];
  readonly routes = new Map<string, Handler>();
  #server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      const path = (req.url ?? "/").split("?")[0] as string;
      const handler = this.routes.get(path);
      if (!handler) {
        res.writeHead(404).end("not found");
        return;
      }
      Promise.resolve(handler(req, res)).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  /** Serves bytes with Content-Length, honouring `Range: bytes=N-` when `ranges` is set. */
  file(path: string, body: Buffer | string, opts: { ranges?: boolean; type?: string } = {}): this {
    const data = Buffer.from(body);
    return this.route(path, (req, res) => {
      const m = opts.ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? "") : null;
      const headers: Record<string, string | number> = {
        "content-type": opts.type ?? "application/octet-stream",
      };
      if (opts.ranges) headers["accept-ranges"] = "bytes";
      if (m) {
        const from = Number(m[1]);
        res.writeHead(206, {
          ...headers,
          "content-length": data.length - from,
          "content-range": `bytes ${from}-${data.length - 1}/${data.length}`,
        });
        res.end(data.subarray(from));
        return;
      }
      res.writeHead(200, { ...headers, "content-length": data.length });
      res.end(data);
    });
  }

  count(path?: string): number {
    return path ? this.requests.filter((r) => r.url.split("?")[0] === path).length : this.requests.length;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
