import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import type { Readable } from "node:stream";
import { BODY_TIMEOUT, BODY_TOO_LARGE, CONNECT_TIMEOUT, HEADERS_TIMEOUT } from "./network.js";

// HTTP/1.1 over Node's own http module, for the Connect and registry clients: its parser is
// native code that every Node process already carries, where undici costs a short command
// about 0.15 s of CPU to load and to compile its WebAssembly parser — more than a no-op apply
// or bake spends on everything else.

export { BODY_TIMEOUT, BODY_TOO_LARGE, CONNECT_TIMEOUT, HEADERS_TIMEOUT };

export class HttpTransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface HttpPoolOptions {
  /** Most sockets open to one server at once (requests beyond wait for one). */
  maxSockets: number;
  /** Time to establish a connection (TCP and TLS). */
  connectTimeoutMs: number;
  /** Time without a byte from the server, waiting for the answer's headers or within its body. */
  idleTimeoutMs: number;
  /**
   * `ca` replaces Node's trusted roots (a Connect worker's own CA); `extraCa` is trusted besides
   * them (a registry's private CA).
   */
  tls?: { ca?: string; extraCa?: string; cert?: string; key?: string };
  /** Redirects followed for requests without a body (blob GETs answered from storage). */
  maxRedirects?: number;
  /**
   * Most bytes of an answer read into memory (default 64 MiB): a hostile server's endless body
   * fails the request instead of the process. Bodies handed over as `stream` are the caller's.
   */
  maxBodyBytes?: number;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  /** A stream is piped as it is read: give its content-length in `headers` when it is known. */
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  /** When this says so for the answer's status, its body is handed over unread, as `stream`. */
  streamWhen?: (status: number) => boolean;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body; empty when it is handed over as `stream`. */
  body: Buffer;
  stream?: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Requester = { agent: HttpAgent; request: typeof httpRequest };

/** Kept-alive connections over http and https; `close` ends them. */
export class HttpPool {
  readonly #http: HttpAgent;
  /** node:https (and node:tls under it) loaded for the first https URL only: 0.03 s otherwise. */
  #https: Promise<Requester> | undefined;
  readonly #opts: HttpPoolOptions;

  constructor(opts: HttpPoolOptions) {
    this.#opts = opts;
    // Free sockets are unref'd by the agents: an idle pool never holds the process open.
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: opts.maxSockets });
  }

  #httpsAgent(): Promise<Requester> {
    const { maxSockets, tls } = this.#opts;
    this.#https ??= (async () => {
      const https = await import("node:https");
      const ca = tls?.extraCa ? [...(await import("node:tls")).rootCertificates, tls.extraCa] : tls?.ca;
      return {
        agent: new https.Agent({
          keepAlive: true,
          maxSockets,
          ...(ca ? { ca } : {}),
          ...(tls?.cert ? { cert: tls.cert } : {}),
          ...(tls?.key ? { key: tls.key } : {}),
        }),
        request: https.request,
      };
    })();
    return this.#https;
  }

  /**
   * One exchange, following redirects for a request without a body (the authorization header
   * goes to the first origin only): the answer, or a rejection with a code (Node's or the ones
   * above).
   */
  async send(url: string, req: HttpRequest): Promise<HttpAnswer> {
    let target = new URL(url);
    let current = req;
    for (let redirects = 0; ; redirects++) {
      const answer = await this.#exchange(target, current);
      const location = answer.headers.location;
      if (
        !REDIRECTS.has(answer.status) ||
        !location ||
        current.body !== undefined ||
        redirects >= (this.#opts.maxRedirects ?? 0)
      )
        return answer;
      answer.stream?.resume();
      const next = new URL(location, target);
      const headers = { ...current.headers };
      if (next.origin !== target.origin) delete headers.authorization;
      current = { ...current, headers, method: answer.status === 303 ? "GET" : current.method };
      target = next;
    }
  }

  async #exchange(u: URL, opts: HttpRequest): Promise<HttpAnswer> {
    const https = u.protocol === "https:";
    const { agent, request } = https ? await this.#httpsAgent() : { agent: this.#http, request: httpRequest };
    const { body } = opts;
    const fixed = typeof body === "string" || Buffer.isBuffer(body);
    const headers = fixed
      ? { ...opts.headers, "content-length": String(Buffer.byteLength(body)) }
      : opts.headers;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = request(u, {
        method: opts.method,
        headers,
        agent,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      let answered = false;
      let streamed: IncomingMessage | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        clearTimeout(connectTimer);
        // A body already handed over fails with this error, not the bare "aborted" that follows.
        streamed?.destroy(err);
        req.destroy(err);
      };
      req.on("error", (err) => {
        clearTimeout(connectTimer);
        if (body !== undefined && !fixed) body.destroy();
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
      // Armed once connected: the time the server may stay silent, before or within its answer.
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
        const status = res.statusCode ?? 0;
        if (opts.streamWhen?.(status)) {
          streamed = res;
          resolve({ status, headers: res.headers, body: Buffer.alloc(0), stream: res });
          return;
        }
        const chunks: Buffer[] = [];
        const limit = this.#opts.maxBodyBytes ?? 64 * 1024 * 1024;
        let received = 0;
        res.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) fail(new HttpTransportError(BODY_TOO_LARGE, `more than ${limit} bytes`));
          else chunks.push(chunk);
        });
        res.on("error", reject);
        res.on("end", () => {
          if (!res.complete) return; // cut short: "error" (ECONNRESET) follows
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      if (body === undefined || fixed) req.end(body);
      else {
        body.on("error", (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  async close(): Promise<void> {
    this.#http.destroy();
    (await this.#https)?.agent.destroy();
  }
}
