import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  abortedError,
  BODY_TIMEOUT,
  describeNetworkError,
  HEADERS_TIMEOUT,
  redactUrl,
  SHORT_BODY,
} from "@kiln/schemas/core";
import { type HttpAnswer, HttpPool } from "@kiln/schemas/http";
import { DownloadError } from "../errors.js";

export interface HttpStats {
  /** Every request sent, redirects and checksum files included. */
  requests: number;
  /** Response body bytes received. */
  bytes: number;
}

export interface HttpOptions {
  /** Attempts after the first on 5xx, 429, resets and timeouts (default 4). */
  retries?: number;
  /** Base of the jittered exponential backoff in ms (default 300). */
  backoffMs?: number;
  /** Time to wait for response headers, and between body chunks (default 30 s). */
  timeoutMs?: number;
  /**
   * A body that delivers fewer than `stallBytes` in `stallMs` (default 1 KiB in 30 s) has stalled:
   * a server trickling one byte at a time never trips the gap timeout above.
   */
  stallMs?: number;
  stallBytes?: number;
  /** The command's deadline: requests, bodies and backoffs stop when it fires, naming the download. */
  signal?: AbortSignal;
  maxRedirects?: number;
  /** Allow plain http:// to 127.0.0.1/localhost/::1 (loopback test servers). Never for other hosts. */
  allowInsecureLoopback?: boolean;
  userAgent?: string;
}

export type Headers = Record<string, string>;

export type DownloadProgress = (received: number, total: number | undefined) => void;

export interface Downloaded {
  size: number;
  sha512: string;
  sha256: string;
  sha1: string;
  /** The URL the bytes finally came from, after redirects (redacted). */
  finalUrl: string;
}

const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  HEADERS_TIMEOUT,
  BODY_TIMEOUT,
  SHORT_BODY,
]);

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

function withoutAuthorization(headers: Headers): Headers {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "authorization"));
}

/**
 * The one HTTP client every resolver uses: https only, redirects followed by
 * hand (Authorization dropped when a redirect leaves the original host),
 * retries with jittered backoff, resume with Range where the server allows,
 * and counters a benchmark or test can read.
 */
export class HttpClient {
  readonly stats: HttpStats = { requests: 0, bytes: 0 };
  readonly #opts: Required<Omit<HttpOptions, "signal">> & { signal?: AbortSignal };
  readonly #pool: HttpPool;

  constructor(opts: HttpOptions = {}) {
    this.#opts = {
      retries: 4,
      backoffMs: 300,
      timeoutMs: 30_000,
      stallMs: 30_000,
      stallBytes: 1024,
      maxRedirects: 10,
      allowInsecureLoopback: false,
      userAgent: "kiln/0.1 (+https://kiln.dev)",
      ...opts,
    };
    // Redirects are followed here, each hop checked for https; idle kept-alive sockets never
    // hold the process open.
    this.#pool = new HttpPool({
      maxSockets: 64,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: this.#opts.timeoutMs,
    });
  }

  /** Throws unless `url` is https (or loopback http when allowed). */
  checkUrl(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch (cause) {
      throw new DownloadError(`not a valid URL: ${url}`, url, { cause });
    }
    if (u.protocol === "https:") return u;
    if (u.protocol === "http:" && this.#opts.allowInsecureLoopback && isLoopback(u.hostname)) return u;
    throw new DownloadError(
      `refusing to download over ${u.protocol.replace(":", "")}: artifact URLs must use https`,
      url,
    );
  }

  async #backoff(attempt: number, url: string): Promise<void> {
    const base = this.#opts.backoffMs * 2 ** attempt;
    const signal = this.#opts.signal;
    await sleep(Math.min(10_000, base * (0.5 + Math.random())), undefined, signal ? { signal } : {}).catch(
      (cause) => {
        throw abortedError(signal, `downloading ${redactUrl(url)}`, cause) ?? cause;
      },
    );
  }

  /**
   * One GET, redirects followed. With `stream`, a 200 or 206 answer's body comes unread (a
   * download); otherwise it is read whole, within the pool's cap.
   */
  async #get(
    url: string,
    headers: Headers,
    opts: { stream: boolean; signal?: AbortSignal | undefined },
  ): Promise<{ res: HttpAnswer; url: string }> {
    const signal = opts.signal ?? this.#opts.signal;
    let current = this.checkUrl(url);
    const origin = current.origin;
    let hdrs: Headers = { "user-agent": this.#opts.userAgent, ...headers };
    for (let hop = 0; ; hop++) {
      this.stats.requests++;
      const res = await this.#pool.send(current.toString(), {
        method: "GET",
        headers: hdrs,
        ...(opts.stream ? { streamWhen: (status: number) => status === 200 || status === 206 } : {}),
        ...(signal ? { signal } : {}),
      });
      const location = res.headers.location;
      if (res.status >= 300 && res.status < 400 && location) {
        if (hop >= this.#opts.maxRedirects) {
          throw new DownloadError(`too many redirects (more than ${this.#opts.maxRedirects})`, url);
        }
        const next = this.checkUrl(new URL(String(location), current).toString());
        // Credentials are for the host they were configured for, never for where it sends us.
        if (next.origin !== origin) hdrs = withoutAuthorization(hdrs);
        current = next;
        continue;
      }
      return { res, url: current.toString() };
    }
  }

  #statusError(status: number, url: string): DownloadError {
    const retryable = status >= 500 || status === 429 || status === 408;
    const what =
      status === 404
        ? "not found (404)"
        : status === 401 || status === 403
          ? `access denied (${status}); check the credentials`
          : `server answered ${status}`;
    return new DownloadError(what, url, { status, retryable });
  }

  /** A small text resource (checksum files, metadata); undefined on 404 when `optional`. */
  async getText(
    url: string,
    headers: Headers = {},
    opts: { optional?: boolean } = {},
  ): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { res } = await this.#get(url, headers, { stream: false });
        if (res.status === 404 && opts.optional) return undefined;
        if (res.status !== 200) throw this.#statusError(res.status, url);
        const text = res.body.toString("utf8");
        this.stats.bytes += Buffer.byteLength(text);
        return text;
      } catch (err) {
        if (!this.#retryable(err) || attempt >= this.#opts.retries) throw this.#wrap(err, url);
        await this.#backoff(attempt, url);
      }
    }
  }

  #retryable(err: unknown): boolean {
    if (this.#opts.signal?.aborted) return false;
    if (err instanceof DownloadError) return err.retryable;
    const code = errorCode(err);
    return code !== undefined && RETRYABLE_CODES.has(code);
  }

  #wrap(err: unknown, url: string): Error {
    const timedOut = abortedError(this.#opts.signal, `downloading ${redactUrl(url)}`, err);
    if (timedOut) return timedOut;
    if (err instanceof DownloadError) return err;
    return new DownloadError(`download failed: ${describeNetworkError(err)}`, url, { cause: err });
  }

  /**
   * Streams `url` into `dest` while hashing it. A dropped connection resumes
   * with `Range` when the server advertised `Accept-Ranges: bytes` (else starts
   * over); 5xx and 429 are retried with jittered backoff.
   */
  async download(
    url: string,
    dest: string,
    opts: { headers?: Headers; onProgress?: DownloadProgress } = {},
  ): Promise<Downloaded> {
    const file = await open(dest, "w");
    try {
      let written = 0;
      let canResume = false;
      let hashes = [createHash("sha512"), createHash("sha256"), createHash("sha1")] as const;
      let total: number | undefined;
      let finalUrl = url;
      for (let attempt = 0; ; attempt++) {
        const resuming = written > 0 && canResume;
        const headers = { ...opts.headers, ...(resuming ? { range: `bytes=${written}-` } : {}) };
        const stall = new AbortController();
        const signal = this.#opts.signal ? AbortSignal.any([stall.signal, this.#opts.signal]) : stall.signal;
        let sinceCheck = 0;
        let watch: NodeJS.Timeout | undefined;
        try {
          const { res, url: at } = await this.#get(url, headers, { stream: true, signal });
          // The stall clock runs once the body starts (headers have a timeout of their own).
          watch = setInterval(() => {
            const remaining = total === undefined ? Number.POSITIVE_INFINITY : total - written;
            if (sinceCheck < Math.min(this.#opts.stallBytes, remaining))
              stall.abort(
                new DownloadError(
                  `the download stalled: fewer than ${this.#opts.stallBytes} bytes in ${this.#opts.stallMs / 1000}s`,
                  url,
                  { retryable: true },
                ),
              );
            sinceCheck = 0;
          }, this.#opts.stallMs);
          finalUrl = at;
          if (res.status === 206 && resuming) {
            // Continue where the last attempt stopped.
          } else if (res.status === 200) {
            if (written > 0) {
              await file.truncate(0);
              written = 0;
              hashes = [createHash("sha512"), createHash("sha256"), createHash("sha1")];
            }
            const len = Number(res.headers["content-length"]);
            total = Number.isFinite(len) ? len : undefined;
          } else {
            res.stream?.resume();
            throw this.#statusError(res.status, url);
          }
          canResume = res.headers["accept-ranges"] === "bytes";
          for await (const chunk of res.stream as AsyncIterable<Buffer>) {
            await file.write(chunk, 0, chunk.length, written);
            for (const h of hashes) h.update(chunk);
            written += chunk.length;
            sinceCheck += chunk.length;
            this.stats.bytes += chunk.length;
            opts.onProgress?.(written, total);
          }
          if (total !== undefined && written !== total) {
            throw Object.assign(new Error(`body ended after ${written} of ${total} bytes`), {
              code: SHORT_BODY,
            });
          }
          return {
            size: written,
            sha512: hashes[0].digest("hex"),
            sha256: hashes[1].digest("hex"),
            sha1: hashes[2].digest("hex"),
            finalUrl: redactUrl(finalUrl),
          };
        } catch (caught) {
          // A stalled body surfaces as the abort reason (or an AbortError carrying it).
          const err = stall.signal.aborted && !this.#opts.signal?.aborted ? stall.signal.reason : caught;
          if (!this.#retryable(err) || attempt >= this.#opts.retries) throw this.#wrap(err, url);
          await this.#backoff(attempt, url);
        } finally {
          if (watch) clearInterval(watch);
        }
      }
    } finally {
      await file.close();
    }
  }
}
