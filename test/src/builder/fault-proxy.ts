import { createServer, type IncomingMessage, request, type Server } from "node:http";
import { freePort } from "../harness/ports.js";

export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Reads the request, then never answers (a peer that hangs). */
  | { kind: "hang" }
  /** Reads `afterBytes` of the request body, then resets the connection. */
  | { kind: "reset"; afterBytes?: number };

export interface FaultRule {
  match: (req: IncomingMessage) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (then they pass). */
  times: number;
  hits: number;
}

/**
 * A loopback HTTP proxy in front of a real registry (or Connect worker) that
 * injects faults into chosen requests: a status (500, 429 + Retry-After, 409),
 * no answer at all, or a connection reset in the middle of a body. Everything
 * else is forwarded as is (Host kept, so the registry's upload Locations point
 * back at the proxy).
 */
export async function startFaultProxy(upstream: string): Promise<{
  address: string;
  rules: FaultRule[];
  add(match: FaultRule["match"], fault: Fault, times?: number): FaultRule;
  requests: string[];
  stop(): Promise<void>;
}> {
  const [uhost, uport] = upstream.split(":");
  const rules: FaultRule[] = [];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const rule = rules.find((r) => r.hits < r.times && r.match(req));
    if (rule) {
      rule.hits++;
      const f = rule.fault;
      if (f.kind === "status") {
        req.resume();
        req.on("end", () => {
          res.writeHead(f.status, { "content-type": "application/json", ...(f.headers ?? {}) });
          res.end(
            f.body ??
              JSON.stringify({ errors: [{ code: "UNKNOWN", message: "injected by the test fault proxy" }] }),
          );
        });
        return;
      }
      if (f.kind === "hang") {
        req.resume();
        return;
      }
      let seen = 0;
      const limit = f.afterBytes ?? 0;
      if (limit === 0) {
        req.socket.destroy();
        return;
      }
      req.on("data", (c: Buffer) => {
        seen += c.length;
        if (seen >= limit) req.socket.destroy();
      });
      req.on("end", () => req.socket.destroy());
      return;
    }
    const up = request(
      {
        host: uhost,
        port: Number(uport),
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        ures.pipe(res);
      },
    );
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${port}`,
    rules,
    requests,
    add(match, fault, times = 1) {
      const rule: FaultRule = { match, fault, times, hits: 0 };
      rules.push(rule);
      return rule;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export const isBlobPut = (req: IncomingMessage) =>
  req.method === "PUT" && /\/blobs\/uploads\//.test(req.url ?? "");
export const isManifestPut = (req: IncomingMessage) =>
  req.method === "PUT" && /\/manifests\//.test(req.url ?? "");
