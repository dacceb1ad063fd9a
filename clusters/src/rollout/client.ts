import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { abortedError, KilnError } from "@kiln/schemas";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeApiError, KubeUnreachableError } from "./errors.js";
import type { KubeObject } from "./objects.js";

export interface ApiResource {
  /** Plural resource name, e.g. `kafkanodepools`. */
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

export interface RequestOptionsIn {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

/** Query strings as the API server expects them (booleans as `true`). */
function withQuery(path: string, query: RequestOptionsIn["query"]): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}${path.includes("?") ? "&" : "?"}${s}` : path;
}

/**
 * A thin client for the Kubernetes REST API: credentials, TLS and proxies come
 * from @kubernetes/client-node's KubeConfig; requests, discovery and watches are
 * plain HTTP, so every status code and Status body reaches kiln's errors intact.
 */
export class KubeClient {
  private readonly discovery = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(
    readonly kc: KubeConfig,
    /** For messages: context name and server URL. */
    readonly where: { context: string; server: string },
    /** The command's deadline: every request and watch stops when it fires, naming the request. */
    readonly signal?: AbortSignal,
  ) {}

  /** The deadline's error for an operation, once the deadline has fired. */
  private timedOut(what: string, cause: unknown): Error | undefined {
    return abortedError(this.signal, `${what} (${this.where.server})`, cause);
  }

  private async open(method: string, path: string, opts: RequestOptionsIn): Promise<IncomingMessage> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new KubeUnreachableError(this.where, new Error("no cluster in the current context"));
    // The server URL may carry a path prefix (API proxies): append, never resolve.
    const url = new URL(cluster.server.replace(/\/+$/, "") + withQuery(path, opts.query));
    const reqOpts: RequestOptions = { method, headers: {} };
    await this.kc.applyToHTTPSOptions(reqOpts);
    const headers = reqOpts.headers as Record<string, string>;
    headers.accept = opts.accept ?? "application/json";
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] = opts.contentType ?? "application/json";
    }
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    const signals = [opts.signal, this.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { ...reqOpts, ...(signal ? { signal } : {}) }, resolve);
      const timeoutMs = opts.timeoutMs ?? 30_000;
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () =>
          req.destroy(Object.assign(new Error(`no response in ${timeoutMs}ms`), { code: "ETIMEDOUT" })),
        );
      }
      req.on("error", (err) => {
        const timedOut = this.timedOut(`waiting for ${method} ${path}`, err);
        if (timedOut) reject(timedOut);
        else if (opts.signal?.aborted) reject(err);
        else reject(new KubeUnreachableError(this.where, err));
      });
      req.end(payload);
    });
  }

  /** One request; non-2xx statuses throw KubeApiError unless listed in `allow`. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptionsIn & { allow?: number[] } = {},
  ): Promise<{ status: number; body: T }> {
    const res = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    try {
      for await (const c of res) chunks.push(c as Buffer);
    } catch (err) {
      throw (
        this.timedOut(`reading the answer to ${method} ${path}`, err) ??
        new KubeUnreachableError(this.where, err as Error)
      );
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const status = res.statusCode ?? 0;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    if ((status < 200 || status >= 300) && !opts.allow?.includes(status))
      throw KubeApiError.from(method, path, status, body, this.where);
    return { status, body: body as T };
  }

  /** Streams watch events until the server ends the watch or `signal` aborts. */
  async *watch(
    path: string,
    query: RequestOptionsIn["query"],
    signal: AbortSignal,
  ): AsyncGenerator<WatchEvent> {
    const res = await this.open("GET", path, { query: { ...query, watch: true }, signal, timeoutMs: 0 });
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {}
      throw KubeApiError.from("WATCH", path, res.statusCode ?? 0, body, this.where);
    }
    let buf = "";
    try {
      for await (const chunk of res) {
        buf += (chunk as Buffer).toString("utf8");
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield parseWatchEvent(line, path, this.where.server);
          nl = buf.indexOf("\n");
        }
      }
    } catch (err) {
      const timedOut = this.timedOut(`watching ${path}`, err);
      if (timedOut) throw timedOut;
      if (signal.aborted) return;
      throw err;
    }
  }

  /** Forgets discovered APIs (CRDs come and go); each rollout starts from a fresh view. */
  resetDiscovery(): void {
    this.discovery.clear();
  }

  /** The resources of one group/version, or undefined when the API server does not serve it. */
  resources(apiVersion: string): Promise<ApiResource[] | undefined> {
    let cached = this.discovery.get(apiVersion);
    if (!cached) {
      const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      cached = this.request<{ resources: ApiResource[] }>("GET", path, { allow: [404] }).then((r) =>
        r.status === 404 ? undefined : r.body.resources.filter((x) => !x.name.includes("/")),
      );
      cached.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, cached);
    }
    return cached;
  }

  /** The versions an API group serves (empty when the group is not served at all). */
  async groupVersions(group: string): Promise<string[]> {
    const r = await this.request<{ versions?: Array<{ version: string }> }>("GET", `/apis/${group}`, {
      allow: [404],
    });
    return r.status === 404 ? [] : (r.body.versions ?? []).map((v) => v.version);
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return (await this.resources(apiVersion))?.find((r) => r.kind === kind);
  }

  /** The REST path of a collection (`name` omitted) or of one object. */
  async pathFor(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name?: string,
  ): Promise<string> {
    const res = await this.resourceFor(apiVersion, kind);
    if (!res)
      throw new KubeApiError(`the API server does not serve ${kind} in ${apiVersion}`, { status: 404 });
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = res.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${ns}/${res.name}${name ? `/${encodeURIComponent(name)}` : ""}`;
  }
}

function parseWatchEvent(line: string, path: string, server: string): WatchEvent {
  let e: Partial<WatchEvent> | undefined;
  try {
    e = JSON.parse(line) as Partial<WatchEvent>;
  } catch {
    e = undefined;
  }
  if (!e || typeof e.type !== "string" || !e.object || typeof e.object !== "object")
    throw new KilnError(`the API server sent a watch event kiln cannot read while watching ${path}`, {
      location: { url: server },
    });
  return e as WatchEvent;
}
