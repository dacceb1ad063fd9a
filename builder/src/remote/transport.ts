import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { abortedError, describeNetworkError, type NetworkHints, scrubSecrets } from "@kiln/schemas/core";
import { type HttpAnswer, HttpPool } from "@kiln/schemas/http";
import { type Challenge, type CredentialSource, parseChallenge } from "./credentials.js";
import { isTransientNetworkError, parseErrorBody, parseRetryAfter, RegistryError } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

export interface TransportOptions {
  credentials?: CredentialSource;
  /** Registries (`host:port`) spoken to over plain http. Explicit: nothing falls back to http by itself. */
  insecure?: string[];
  /** Extra PEM CA certificates trusted besides the system's (e.g. a private registry's CA). */
  ca?: string;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  /** Called before each retry, for progress output and tests. */
  onRetry?: (info: { attempt: number; delayMs: number; error: RegistryError }) => void;
  /**
   * How long a registry may take to answer a request (headers), and how long a body may pause
   * (default 60 s each): a registry that never answers a manifest PUT fails that push.
   */
  timeoutMs?: number;
  /** The command's deadline: every request and backoff stops when it fires, naming the request. */
  signal?: AbortSignal;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A path under the registry (`/v2/…`) or an absolute URL (upload locations). */
  url: string;
  headers?: Record<string, string>;
  /** Opened afresh for every attempt. */
  body?: () => Promise<Readable | Buffer | string>;
  /** Auth scopes, e.g. `repository:team/app:pull,push`. */
  scopes: string[];
  /** Status codes that count as success. */
  expect: number[];
  /** What the call does, for the error message ("upload layer sha256:…"). */
  what: string;
  /** Keep the body as a stream (blob GETs). */
  stream?: boolean;
  /** Retry transient failures here (false for requests whose session a failure spoils). */
  retry?: boolean;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  stream?: Readable;
}

function flatHeaders(h: HttpAnswer["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * HTTP to one registry: auth (anonymous, Basic, Bearer tokens cached per
 * scope), retries with backoff, and one `checkResponse` that turns every
 * unexpected answer into a `RegistryError`.
 */
export class Transport {
  readonly base: string;
  private readonly pool: HttpPool;
  private readonly retry: RetryPolicy;
  private challenge: Challenge | undefined;
  private pinged = false;
  private readonly tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();
  private credentials: Promise<{ username: string; password: string } | undefined> | undefined;

  constructor(
    readonly registry: string,
    private readonly opts: TransportOptions = {},
  ) {
    const insecure = opts.insecure?.includes(registry) ?? false;
    this.base = `${insecure ? "http" : "https"}://${registry === "index.docker.io" ? "registry-1.docker.io" : registry}`;
    this.pool = new HttpPool({
      maxSockets: 16,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: opts.timeoutMs ?? 60_000,
      maxRedirects: 5,
      ...(opts.ca ? { tls: { extraCa: opts.ca } } : {}),
    });
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private creds() {
    this.credentials ??= this.opts.credentials
      ? this.opts.credentials(this.registry)
      : Promise.resolve(undefined);
    return this.credentials;
  }

  /** `GET /v2/` once, to learn how this registry wants to be authenticated. */
  private async ping(): Promise<void> {
    if (this.pinged) return;
    const url = `${this.base}/v2/`;
    try {
      const res = await this.pool.send(url, {
        method: "GET",
        headers: this.uaHeaders(),
        ...this.signalOpt(),
      });
      if (res.status === 401) this.challenge = parseChallenge(flatHeaders(res.headers)["www-authenticate"]);
      this.pinged = true;
    } catch (err) {
      throw this.failure(url, "reach the registry", err);
    }
  }

  private uaHeaders(): Record<string, string> {
    return { "user-agent": this.opts.userAgent ?? "kiln/0.1" };
  }

  private signalOpt(): { signal?: AbortSignal } {
    return this.opts.signal ? { signal: this.opts.signal } : {};
  }

  /** The switches that fix a TLS mismatch with this registry, for messages. */
  private hints(): NetworkHints {
    return {
      trustCa:
        'pass it with --registry-ca <file> (or KILN_REGISTRY_CA), or set NODE_EXTRA_CA_CERTS (see "Private certificate authorities" in kiln\'s README)',
      plainHttp: `pass --insecure-registry ${this.registry}`,
    };
  }

  /** A failed exchange as a RegistryError (retryable when the socket failed), or the deadline's error. */
  private failure(url: string, what: string, err: unknown): Error {
    const timedOut = abortedError(this.opts.signal, `${what} at ${this.registry}`, err);
    if (timedOut) return timedOut;
    if (err instanceof RegistryError) return err;
    return new RegistryError({
      message: `${what} at ${this.registry} failed: ${describeNetworkError(err, this.hints())}`,
      url,
      retryable: isTransientNetworkError(err),
      cause: err,
    });
  }

  /** A token for these scopes: cached (and shared by concurrent callers) until shortly before it expires. */
  private async token(scopes: string[], force: boolean): Promise<string> {
    const key = [...scopes].sort().join(" ");
    const cached = this.tokens.get(key);
    if (!force && cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > Date.now() + 5_000) return t.token;
    }
    const fetching = this.fetchToken(scopes);
    this.tokens.set(key, fetching);
    try {
      return (await fetching).token;
    } catch (err) {
      if (this.tokens.get(key) === fetching) this.tokens.delete(key);
      throw err;
    }
  }

  private async fetchToken(scopes: string[]): Promise<{ token: string; expiresAt: number }> {
    const params = this.challenge?.params ?? {};
    if (!params.realm)
      throw new RegistryError({
        message: `registry ${this.registry} asked for a token but named no realm`,
        url: this.base,
      });
    let url: URL;
    try {
      url = new URL(params.realm);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(url.protocol);
    } catch {
      throw new RegistryError({
        message: `registry ${this.registry} named a token service that is not an http(s) URL (${JSON.stringify(params.realm.slice(0, 80))})`,
        url: this.base,
      });
    }
    if (params.service) url.searchParams.set("service", params.service);
    for (const s of scopes) url.searchParams.append("scope", s);
    const creds = await this.creds();
    const headers: Record<string, string> = { ...this.uaHeaders() };
    if (creds)
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    let res: HttpAnswer;
    try {
      res = await this.pool.send(url.toString(), { method: "GET", headers, ...this.signalOpt() });
    } catch (err) {
      throw this.failure(url.toString(), "fetch a registry token", err);
    }
    const text = res.body.toString("utf8");
    if (res.status === 401 || res.status === 403)
      throw new RegistryError({
        message: `the token service for ${this.registry} rejected ${creds ? `the credentials of "${creds.username}"` : "anonymous access"}`,
        status: res.status,
        url: url.toString(),
        codes: [{ code: "UNAUTHORIZED" }],
      });
    if (res.status !== 200)
      throw new RegistryError({
        message: `the token service for ${this.registry} answered ${res.status}`,
        status: res.status,
        url: url.toString(),
        retryable: RETRYABLE_STATUS.has(res.status),
      });
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) ?? {};
    } catch {
      throw new RegistryError({
        message: `the token service for ${this.registry} answered something that is not JSON (${res.headers["content-type"] ?? "no content type"}, starts ${JSON.stringify(text.slice(0, 40))})`,
        url: url.toString(),
      });
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== "string" || token === "")
      throw new RegistryError({
        message: `the token service for ${this.registry} returned no token`,
        url: url.toString(),
      });
    const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    return { token, expiresAt: Date.now() + expiresIn * 1000 };
  }

  private async authorization(scopes: string[], force: boolean): Promise<string | undefined> {
    if (this.challenge?.scheme === "bearer") return `Bearer ${await this.token(scopes, force)}`;
    if (this.challenge?.scheme === "basic") {
      const c = await this.creds();
      if (c) return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
    }
    return undefined;
  }

  /** Turns a response that is not one of `expect` into a typed error. */
  private async checkResponse(req: RegistryRequest, url: string, res: HttpAnswer): Promise<RegistryResponse> {
    const headers = flatHeaders(res.headers);
    if (req.expect.includes(res.status))
      return { status: res.status, headers, body: res.body, ...(res.stream ? { stream: res.stream } : {}) };
    const text = res.body.toString("utf8");
    const timedOut = abortedError(this.opts.signal, `${req.what} at ${this.registry}`);
    if (timedOut) throw timedOut;
    // A registry may echo what it was sent; the password never goes further.
    const password = (await this.creds().catch(() => undefined))?.password;
    const codes = parseErrorBody(scrubSecrets(text, [password]));
    const detail = codes.length
      ? `: ${codes.map((c) => `${c.code}${c.message ? ` (${c.message})` : ""}`).join(", ")}`
      : "";
    const status = res.status;
    let message = `${req.what} at ${this.registry}: HTTP ${status}${detail}`;
    if (status === 401 || status === 403)
      message = `${req.what} at ${this.registry}: not authorised (HTTP ${status})${detail}`;
    const retryAfterMs = parseRetryAfter(headers["retry-after"]);
    throw new RegistryError({
      message,
      status,
      url,
      codes,
      retryable: RETRYABLE_STATUS.has(status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  private backoff(attempt: number, err: RegistryError): number {
    if (err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, 60_000);
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exp * (0.5 + Math.random() / 2));
  }

  /** Runs `fn` again on retryable registry errors, with backoff (and `Retry-After` when the registry sends one). */
  async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.retryable || attempt >= this.retry.attempts) throw err;
        if (this.opts.signal?.aborted) throw err;
        const delayMs = this.backoff(attempt, err);
        this.opts.onRetry?.({ attempt, delayMs, error: err });
        await sleep(delayMs, undefined, this.signalOpt()).catch((cause) => {
          throw (
            abortedError(this.opts.signal, `retrying at ${this.registry} (${err.userMessage})`, cause) ??
            cause
          );
        });
      }
    }
  }

  /** One call, retried when `req.retry` is not false. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    return req.retry === false ? this.once(req) : this.withRetry(() => this.once(req));
  }

  private async once(req: RegistryRequest): Promise<RegistryResponse> {
    await this.ping();
    const url = req.url.startsWith("http") ? req.url : `${this.base}${req.url}`;
    for (let authTry = 0; ; authTry++) {
      const headers: Record<string, string> = { ...this.uaHeaders(), ...req.headers };
      const auth = await this.authorization(req.scopes, authTry > 0);
      if (auth) headers.authorization = auth;
      const body = req.body ? await req.body() : undefined;
      let res: HttpAnswer;
      try {
        res = await this.pool.send(url, {
          method: req.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(req.stream && req.method === "GET"
            ? { streamWhen: (s: number) => req.expect.includes(s) }
            : {}),
          ...this.signalOpt(),
        });
      } catch (err) {
        throw this.failure(url, req.what, err);
      }
      if (res.status === 401 && authTry === 0) {
        // A first 401: learn (or refresh) the challenge, renew the token, and try once more.
        if (body && typeof body !== "string" && !Buffer.isBuffer(body)) body.destroy();
        const header = flatHeaders(res.headers)["www-authenticate"];
        const ch = parseChallenge(header);
        if (ch) this.challenge = ch;
        if (ch || this.challenge) continue;
        // Say what the registry asked for instead.
        throw new RegistryError({
          message: `${req.what} at ${this.registry}: not authorised (HTTP 401), and the registry asks for ${header ? `an authentication kiln does not speak (${header.split(/\s/)[0]})` : "no authentication kiln knows (no WWW-Authenticate header)"}`,
          status: 401,
          url,
          codes: [{ code: "UNAUTHORIZED" }],
        });
      }
      return this.checkResponse(req, url, res);
    }
  }
}
