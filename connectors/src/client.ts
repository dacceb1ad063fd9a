import { setTimeout as sleep } from "node:timers/promises";
import { abortedError, describeNetworkError, networkErrorCode, redactUrl, scrubSecrets } from "@kiln/schemas";
import { BODY_TIMEOUT, CONNECT_TIMEOUT, HEADERS_TIMEOUT, HttpPool } from "@kiln/schemas/http";
import {
  ConnectError,
  ConnectRequestError,
  ConnectTimeoutError,
  ConnectTlsError,
  ConnectUnreachableError,
  classifyResponse,
} from "./errors.js";
import type {
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStatus,
  ExpandedConnector,
  InitialState,
  OffsetsMessage,
  PluginConfigKey,
  PluginInfo,
  ServerInfo,
  ValidationResult,
} from "./types.js";
import * as wire from "./wire.js";

export type ConnectAuth =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string };

export interface ConnectTls {
  /** PEM of the CA(s) to trust instead of the system store. */
  ca?: string;
  /** PEM client certificate and key for mTLS. */
  cert?: string;
  key?: string;
}

export interface RetryPolicy {
  /** Overall time budget for one call, retries included. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { deadlineMs: 120_000, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface ConnectClientOptions {
  /** One or more worker URLs of the same Connect cluster; the next one is tried when one is unreachable. */
  urls: string[];
  auth?: ConnectAuth;
  tls?: ConnectTls;
  /** Per-request time to wait for response headers (Connect itself gives up after 90 s). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called for every HTTP exchange (after it completes); for progress, logs and counting. */
  onRequest?: (e: RequestEvent) => void;
  /** The command's deadline: every request and backoff stops when it fires, naming the request. */
  signal?: AbortSignal;
}

export interface RequestEvent {
  method: string;
  url: string;
  status: number | undefined;
  write: boolean;
  ms: number;
}

export interface RequestStats {
  reads: number;
  writes: number;
  retries: number;
}

interface SendOptions {
  /** What a successful answer must look like; anything else is a ConnectProtocolError. */
  shape?: wire.Shape;
  body?: unknown;
  /** Send to this worker only (no failover). */
  baseUrl?: string;
  /** Retry conflicts and unreachable workers (default true). */
  retry?: boolean;
}

/** Backoff before attempt `attempt` (0-based): exponential with full jitter. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + random() * (cap / 2));
}

const enc = encodeURIComponent;

/**
 * The Kafka Connect REST API, one method per endpoint. Conflicts (rebalances, stale config) and
 * unreachable workers are retried with jittered exponential backoff within a deadline; other
 * errors are thrown as typed `ConnectError`s.
 */
export class ConnectClient {
  readonly urls: readonly string[];
  readonly stats: RequestStats = { reads: 0, writes: 0, retries: 0 };
  readonly #pool: HttpPool;
  readonly #headers: Record<string, string>;
  readonly #retry: RetryPolicy;
  readonly #timeout: number;
  readonly #onRequest: ((e: RequestEvent) => void) | undefined;
  readonly #tls: ConnectTls;
  readonly #signal: AbortSignal | undefined;
  /** Credential values, scrubbed from anything a worker says back before kiln repeats it. */
  readonly #secrets: string[];
  #active = 0;

  constructor(opts: ConnectClientOptions) {
    if (opts.urls.length === 0) throw new Error("ConnectClient needs at least one URL");
    this.urls = opts.urls.map((u) => u.replace(/\/+$/, ""));
    this.#timeout = opts.requestTimeoutMs ?? 100_000;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#onRequest = opts.onRequest;
    this.#tls = opts.tls ?? {};
    this.#signal = opts.signal;
    this.#secrets =
      opts.auth?.type === "basic"
        ? [opts.auth.password]
        : opts.auth?.type === "bearer"
          ? [opts.auth.token]
          : [];
    this.#headers = { accept: "application/json" };
    if (opts.auth?.type === "basic") {
      const token = Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString("base64");
      this.#headers.authorization = `Basic ${token}`;
    } else if (opts.auth?.type === "bearer") {
      this.#headers.authorization = `Bearer ${opts.auth.token}`;
    }
    this.#pool = new HttpPool({
      // Callers bound their own concurrency (an apply's may reach 256); this only caps sockets.
      maxSockets: 256,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: this.#timeout,
      tls: this.#tls,
    });
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** The URL requests currently go to. */
  get activeUrl(): string {
    return this.urls[this.#active] as string;
  }

  // --- cluster -------------------------------------------------------------------------------

  /** `GET /`: version, commit, Kafka cluster id. */
  serverInfo(baseUrl?: string): Promise<ServerInfo> {
    return this.#send("GET", "/", { shape: wire.serverInfo, ...(baseUrl ? { baseUrl } : {}) });
  }

  /** `GET /health` (Kafka ≥ 3.9). */
  health(baseUrl?: string): Promise<{ status: string; message: string }> {
    return this.#send("GET", "/health", {
      shape: wire.object({ status: wire.string, message: wire.optional(wire.string) }),
      ...(baseUrl ? { baseUrl } : {}),
    });
  }

  // --- connectors ----------------------------------------------------------------------------

  /** `GET /connectors?expand=status&expand=info`: every connector with its config and status. */
  async listExpanded(): Promise<Record<string, ExpandedConnector>> {
    const all = await this.#send<Record<string, ExpandedConnector>>(
      "GET",
      "/connectors?expand=status&expand=info",
      {
        shape: wire.expanded,
      },
    );
    for (const e of Object.values(all)) if (e.info) e.info.config = wire.dropNulls(e.info.config);
    return all;
  }

  /** `GET /connectors` (of one worker when `baseUrl` is given: each reads the config topic itself). */
  listNames(baseUrl?: string): Promise<string[]> {
    return this.#send("GET", "/connectors", {
      shape: wire.names,
      ...(baseUrl ? { baseUrl, retry: false } : {}),
    });
  }

  getConnector(name: string): Promise<ConnectorInfo> {
    return this.#send("GET", `/connectors/${enc(name)}`, { shape: wire.connectorInfo });
  }

  async getConfig(name: string): Promise<Record<string, string>> {
    return wire.dropNulls(await this.#send("GET", `/connectors/${enc(name)}/config`, { shape: wire.config }));
  }

  /** `POST /connectors` with `initial_state`, so a connector meant to be stopped never starts. */
  create(name: string, config: Record<string, string>, initialState?: InitialState): Promise<ConnectorInfo> {
    return this.#send("POST", "/connectors", {
      body: { name, config, ...(initialState ? { initial_state: initialState } : {}) },
    });
  }

  /** `PUT /connectors/{name}/config`: every call restarts the connector, changed or not. */
  putConfig(name: string, config: Record<string, string>): Promise<ConnectorInfo> {
    return this.#send("PUT", `/connectors/${enc(name)}/config`, { body: config });
  }

  pause(name: string): Promise<void> {
    return this.#send("PUT", `/connectors/${enc(name)}/pause`);
  }

  resume(name: string): Promise<void> {
    return this.#send("PUT", `/connectors/${enc(name)}/resume`);
  }

  stop(name: string): Promise<void> {
    return this.#send("PUT", `/connectors/${enc(name)}/stop`);
  }

  /** `POST /connectors/{name}/restart?includeTasks=…&onlyFailed=…`. */
  restart(name: string, opts: { includeTasks?: boolean; onlyFailed?: boolean } = {}): Promise<unknown> {
    const q = `includeTasks=${opts.includeTasks ?? true}&onlyFailed=${opts.onlyFailed ?? true}`;
    return this.#send("POST", `/connectors/${enc(name)}/restart?${q}`);
  }

  restartTask(name: string, task: number): Promise<void> {
    return this.#send("POST", `/connectors/${enc(name)}/tasks/${task}/restart`);
  }

  delete(name: string): Promise<void> {
    return this.#send("DELETE", `/connectors/${enc(name)}`);
  }

  status(name: string): Promise<ConnectorStatus> {
    return this.#send("GET", `/connectors/${enc(name)}/status`, { shape: wire.connectorStatus });
  }

  tasks(
    name: string,
  ): Promise<Array<{ id: { connector: string; task: number }; config: Record<string, string> }>> {
    return this.#send("GET", `/connectors/${enc(name)}/tasks`, { shape: wire.taskConfigs });
  }

  // --- plugins -------------------------------------------------------------------------------

  /** `GET /connector-plugins` (connectors only, or every plugin with `all`). */
  plugins(opts: { all?: boolean; baseUrl?: string } = {}): Promise<PluginInfo[]> {
    return this.#send("GET", `/connector-plugins${opts.all ? "?connectorsOnly=false" : ""}`, {
      shape: wire.plugins,
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    });
  }

  /** `GET /connector-plugins/{class}/config`: the plugin's config definitions (types, PASSWORD keys). */
  pluginConfig(pluginClass: string, version?: string): Promise<PluginConfigKey[]> {
    const q = version ? `?version=${enc(version)}` : "";
    return this.#send("GET", `/connector-plugins/${enc(pluginClass)}/config${q}`, {
      shape: wire.pluginConfig,
    });
  }

  /** `PUT /connector-plugins/{class}/config/validate`: validates without writing. */
  validate(pluginClass: string, config: Record<string, string>): Promise<ValidationResult> {
    return this.#send("PUT", `/connector-plugins/${enc(pluginClass)}/config/validate`, {
      body: config,
      shape: wire.validation,
    });
  }

  // --- offsets (connector must be STOPPED to change them) ------------------------------------

  getOffsets(name: string): Promise<ConnectorOffsets> {
    return this.#send("GET", `/connectors/${enc(name)}/offsets`, { shape: wire.offsets });
  }

  alterOffsets(name: string, offsets: ConnectorOffsets): Promise<OffsetsMessage> {
    return this.#send("PATCH", `/connectors/${enc(name)}/offsets`, { body: offsets, shape: wire.message });
  }

  resetOffsets(name: string): Promise<OffsetsMessage> {
    return this.#send("DELETE", `/connectors/${enc(name)}/offsets`, { shape: wire.message });
  }

  // --- transport -----------------------------------------------------------------------------

  async #send<T>(method: string, path: string, opts: SendOptions = {}): Promise<T> {
    const started = Date.now();
    const deadline = started + this.#retry.deadlineMs;
    const write = method !== "GET" && !path.endsWith("/config/validate");
    let attempt = 0;
    let unreachable = 0;
    for (;;) {
      const base = opts.baseUrl ?? this.activeUrl;
      try {
        return await this.#once<T>(method, base, path, opts, write);
      } catch (err) {
        if (!(err instanceof ConnectError) || !err.retryable || opts.retry === false) throw err;
        if (err instanceof ConnectUnreachableError) {
          // Every worker refused several times in a row: the cluster is down or the URLs are wrong.
          if (++unreachable >= 3 * (opts.baseUrl ? 1 : this.urls.length)) throw err;
          if (!opts.baseUrl) this.#active = (this.#active + 1) % this.urls.length;
        } else unreachable = 0;
        const delay = backoffDelay(attempt++, this.#retry);
        if (Date.now() + delay > deadline) throw err;
        this.stats.retries++;
        await sleep(delay, undefined, this.#signal ? { signal: this.#signal } : {}).catch((cause) => {
          throw (
            abortedError(
              this.#signal,
              `retrying ${method} ${redactUrl(`${base}${path}`)} (${err.userMessage})`,
              cause,
            ) ?? cause
          );
        });
      }
    }
  }

  async #once<T>(method: string, base: string, path: string, opts: SendOptions, write: boolean): Promise<T> {
    const { body, shape } = opts;
    const url = `${base}${path}`;
    const req = { method, url };
    const t0 = Date.now();
    if (write) this.stats.writes++;
    else this.stats.reads++;
    let status: number | undefined;
    try {
      const res = await this.#pool.send(url, {
        method,
        headers:
          body === undefined ? this.#headers : { ...this.#headers, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(this.#signal ? { signal: this.#signal } : {}),
      });
      status = res.status;
      const text = res.body.toString("utf8");
      if (status >= 300 && status < 400) {
        const to = res.headers.location;
        throw new ConnectRequestError(
          `the worker answered with a redirect (HTTP ${status}${to ? ` to ${redactUrl(String(to))}` : ""}); kiln does not follow redirects from a Connect worker: put the worker's own URL in the ConnectTarget`,
          { ...req, status },
        );
      }
      if (status >= 400) {
        let message = text;
        try {
          const parsed = JSON.parse(text) as { message?: unknown };
          if (typeof parsed?.message === "string") message = parsed.message;
        } catch {}
        throw classifyResponse(status, scrubSecrets(message.slice(0, 2000), this.#secrets), req);
      }
      if (!shape && (status === 204 || text === "")) return undefined as T;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new ConnectProtocolError(
          `the worker's answer is not JSON (HTTP ${status}, ${text === "" ? "empty" : `starts ${JSON.stringify(scrubSecrets(text.slice(0, 40), this.#secrets))}`}): is the ConnectTarget URL a Connect REST endpoint?`,
          { ...req, status, cause },
        );
      }
      const wrong = shape?.(value, "answer");
      if (wrong)
        throw new ConnectProtocolError(
          `unexpected answer from the worker (HTTP ${status}): ${wrong}; is the ConnectTarget URL a Connect REST endpoint?`,
          { ...req, status },
        );
      return value as T;
    } catch (err) {
      const timedOut = abortedError(this.#signal, `waiting for ${method} ${redactUrl(url)}`, err);
      if (timedOut) throw timedOut;
      if (err instanceof ConnectError) throw err;
      // A dropped HTTPS connection, or a TLS alert from the worker, may be a refused client
      // certificate: find out and say so.
      const code = (err as { code?: string })?.code ?? "";
      if (base.startsWith("https:") && (code === "ECONNRESET" || /^ERR_SSL_.*ALERT/.test(code))) {
        // Loaded only here: node:tls costs every command that never fails this way 0.03 s.
        const { tlsRejection } = await import("./tls-probe.js");
        const why = await tlsRejection(base, this.#tls);
        if (why) throw new ConnectTlsError(why, { ...req, cause: err });
      }
      throw transportError(err, req, write);
    } finally {
      this.#onRequest?.({ method, url: redactUrl(url), status, write, ms: Date.now() - t0 });
    }
  }
}

/** A worker's answer kiln cannot use: not JSON, or JSON of the wrong shape. */
export class ConnectProtocolError extends ConnectError {}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  CONNECT_TIMEOUT,
]);
const TLS_HINTS = {
  trustCa: "set tls.caFile in the ConnectTarget to the CA that signed it",
  plainHttp: "use an http:// URL in the ConnectTarget",
};

function transportError(err: unknown, req: { method: string; url: string }, write: boolean): ConnectError {
  const code = networkErrorCode(err) ?? "";
  const message = (err as Error)?.message ?? String(err);
  if (UNREACHABLE.has(code)) {
    return new ConnectUnreachableError(`cannot reach the Connect worker: ${describeNetworkError(err)}`, {
      ...req,
      retryable: true,
      cause: err,
    });
  }
  if (code === HEADERS_TIMEOUT || code === BODY_TIMEOUT) {
    return new ConnectTimeoutError(`no answer from the Connect worker in time: ${message}`, {
      ...req,
      cause: err,
    });
  }
  if (code === "ECONNRESET" || code === "EPIPE") {
    // The worker went away mid-request: a read can simply be retried elsewhere, a write may have
    // happened, so the caller re-reads live state.
    return write
      ? new ConnectTimeoutError(`the Connect worker dropped the connection (${code})`, { ...req, cause: err })
      : new ConnectUnreachableError(`the Connect worker dropped the connection (${code})`, {
          ...req,
          retryable: true,
          cause: err,
        });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code)) {
    return new ConnectTlsError(
      `kiln does not trust the Connect worker's certificate (${code}): set tls.caFile to the CA that signed it, for this host`,
      { ...req, cause: err },
    );
  }
  if (/SSL|TLS/i.test(`${code} ${message}`)) {
    return new ConnectTlsError(
      `TLS with the Connect worker failed: ${describeNetworkError(err, TLS_HINTS)}`,
      { ...req, cause: err },
    );
  }
  return new ConnectError(`request failed: ${describeNetworkError(err, TLS_HINTS)}`, { ...req, cause: err });
}
