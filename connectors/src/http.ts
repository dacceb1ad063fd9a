import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";

// The Connect client's HTTP/1.1 over Node's own http module: its parser is native code that
// every Node process already carries, where undici (which the registry and download clients
// use) costs a short command about 0.15 s of CPU to load and to compile its WebAssembly parser
// — more than a no-op apply spends on everything else. Connect answers small JSON bodies, one
// per request, on kept-alive connections.

/**
 * Codes of the transport's own failures; the others are Node's (ECONNREFUSED, ECONNRESET, TLS).
 * A connection that is not made in time fails as the system's own connect timeout does.
 */
export const CONNECT_TIMEOUT = "ETIMEDOUT";
export const HEADERS_TIMEOUT = "KILN_HEADERS_TIMEOUT";
export const BODY_TIMEOUT = "KILN_BODY_TIMEOUT";

export class HttpTransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface HttpPoolOptions {
  /** Most sockets open to one worker at once (requests beyond wait for one). */
  maxSockets: number;
  /** Time to establish a connection (TCP and TLS). */
  connectTimeoutMs: number;
  /** Time without a byte from the worker, waiting for the answer's headers or within its body. */
  idleTimeoutMs: number;
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Kept-alive connections to Connect workers, http and https; `close` ends them. */
export class HttpPool {
  readonly #http: HttpAgent;
  /** node:https (and node:tls under it) loaded for the first https URL only: 0.03 s otherwise. */
  #https: Promise<{ agent: HttpAgent; request: typeof httpRequest }> | undefined;
  readonly #opts: HttpPoolOptions;

  constructor(opts: HttpPoolOptions) {
    this.#opts = opts;
    // Free sockets are unref'd by the agents: an idle pool never holds the process open.
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: opts.maxSockets });
  }

  #httpsAgent(): Promise<{ agent: HttpAgent; request: typeof httpRequest }> {
    const { maxSockets, tls } = this.#opts;
    this.#https ??= import("node:https").then((https) => ({
      agent: new https.Agent({
        keepAlive: true,
        maxSockets,
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert ? { cert: tls.cert } : {}),
        ...(tls?.key ? { key: tls.key } : {}),
      }),
      request: https.request,
    }));
    return this.#https;
  }

  /** One exchange: the whole answer as text, or a rejection with a code (Node's or the ones above). */
  async send(
    url: string,
    opts: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
  ): Promise<HttpAnswer> {
    const u = new URL(url);
    const https = u.protocol === "https:";
    const { agent, request } = https ? await this.#httpsAgent() : { agent: this.#http, request: httpRequest };
    const headers =
      opts.body === undefined
        ? opts.headers
        : { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) };
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = request(u, {
        method: opts.method,
        headers,
        agent,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      let answered = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        clearTimeout(connectTimer);
        req.destroy(err);
      };
      req.on("error", (err) => {
        clearTimeout(connectTimer);
        reject(err);
      });
      req.on("socket", (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () =>
            fail(
              new HttpTransportError(
                CONNECT_TIMEOUT,
                `connection not made within ${this.#opts.connectTimeoutMs / 1000} s`,
              ),
            ),
          this.#opts.connectTimeoutMs,
        );
        socket.once(https ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
      });
      // Armed once connected: the time the worker may stay silent, before or within its answer.
      req.setTimeout(this.#opts.idleTimeoutMs, () =>
        fail(
          answered
            ? new HttpTransportError(
                BODY_TIMEOUT,
                `the answer stalled for ${this.#opts.idleTimeoutMs / 1000} s`,
              )
            : new HttpTransportError(
                HEADERS_TIMEOUT,
                `no answer within ${this.#opts.idleTimeoutMs / 1000} s`,
              ),
        ),
      );
      req.on("response", (res) => {
        answered = true;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("error", reject);
        res.on("end", () => {
          if (!res.complete) return; // cut short: "error" (ECONNRESET) follows
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      req.end(opts.body);
    });
  }

  async close(): Promise<void> {
    this.#http.destroy();
    (await this.#https)?.agent.destroy();
  }
}
