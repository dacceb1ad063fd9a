import { BODY_TIMEOUT, HEADERS_TIMEOUT, KilnError, redactUrl } from "@kiln/schemas/core";

/** One error from the distribution API's JSON body: `{"errors":[{"code":"BLOB_UNKNOWN",…}]}`. */
export interface RegistryErrorCode {
  code: string;
  message?: string;
}

/**
 * A failed registry call: status, redacted URL, the registry's error codes,
 * and whether trying again may help (resets, 5xx, 429).
 */
export class RegistryError extends KilnError {
  readonly status: number | undefined;
  readonly url: string;
  readonly codes: RegistryErrorCode[];
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(opts: {
    message: string;
    status?: number;
    url: string;
    codes?: RegistryErrorCode[];
    retryable?: boolean;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    const url = redactUrl(opts.url);
    super(opts.message, { location: { url }, cause: opts.cause });
    this.status = opts.status;
    this.url = url;
    this.codes = opts.codes ?? [];
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }

  hasCode(code: string): boolean {
    return this.codes.some((c) => c.code === code);
  }
}

/** Errors from the socket that a retry can fix. */
export function isTransientNetworkError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return [
    "ECONNRESET",
    "ECONNREFUSED",
    "EPIPE",
    "ETIMEDOUT",
    "ECONNABORTED",
    HEADERS_TIMEOUT,
    BODY_TIMEOUT,
  ].includes(code ?? "");
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseErrorBody(text: string): RegistryErrorCode[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    return (body.errors ?? []).map((e) => ({
      code: String(e.code ?? "UNKNOWN"),
      ...(e.message ? { message: String(e.message) } : {}),
    }));
  } catch {
    return [];
  }
}
