import { KilnError, type Location, redactUrl } from "@kiln/schemas";

/** Any failure talking to a Connect cluster. */
export class ConnectError extends KilnError {
  readonly status: number | undefined;
  readonly method: string;
  readonly url: string;
  /** Worth retrying after a backoff (rebalances, stale config, unreachable worker). */
  readonly retryable: boolean;

  constructor(
    message: string,
    opts: { method: string; url: string; status?: number; retryable?: boolean; cause?: unknown },
  ) {
    const location: Location = { url: `${opts.method} ${redactUrl(opts.url)}` };
    super(message, { location, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.status = opts.status;
    this.method = opts.method;
    this.url = redactUrl(opts.url);
    this.retryable = opts.retryable ?? false;
  }
}

/** 409, or a 500 saying a rebalance is expected: the cluster is busy, try again shortly. */
export class ConnectConflictError extends ConnectError {}

/** 409 "already exists": not retried; the applier reconciles with the live connector. */
export class ConnectAlreadyExistsError extends ConnectError {}

/** 404: no such connector, plugin or task. */
export class ConnectNotFoundError extends ConnectError {}

/** A 4xx/5xx that retrying will not fix (bad config, unknown plugin). */
export class ConnectRequestError extends ConnectError {}

/** 401/403: the worker refused kiln's credentials, or they lack a permission. */
export class ConnectAuthError extends ConnectError {}

/** The worker (or kiln) refused the TLS session: an untrusted or missing certificate. */
export class ConnectTlsError extends ConnectError {}

/**
 * The request timed out (client side, or Connect's own 500 "Request timed out"). A write may
 * still have happened: re-read live state before deciding anything.
 */
export class ConnectTimeoutError extends ConnectError {}

/** The worker could not be reached at all (connection refused, DNS, TLS handshake). */
export class ConnectUnreachableError extends ConnectError {}

const RETRYABLE_MESSAGES = [
  /rebalance/i,
  /conflicting operation/i,
  /stale configuration/i,
  /Error trying to forward REST request/i,
  /leader.*(unknown|not available)/i,
  /is not the leader/i,
];

/** Maps a Connect error response to a typed error (see kcctl's KafkaConnectException). */
export function classifyResponse(
  status: number,
  message: string,
  req: { method: string; url: string },
): ConnectError {
  const text = message || `HTTP ${status}`;
  const opts = { ...req, status };
  if (status === 401 || status === 403) {
    const what = status === 401 ? "refused kiln's credentials" : "denied this request to kiln's user";
    return new ConnectAuthError(
      `the Connect worker ${what} (HTTP ${status}: ${text}); check the ConnectTarget's auth`,
      opts,
    );
  }
  if (status === 409 && /already exists/i.test(text)) return new ConnectAlreadyExistsError(text, opts);
  if (status === 404) return new ConnectNotFoundError(text, opts);
  if (status === 409 || (status >= 500 && RETRYABLE_MESSAGES.some((re) => re.test(text)))) {
    return new ConnectConflictError(text, { ...opts, retryable: true });
  }
  if (status === 500 && /timed out/i.test(text)) return new ConnectTimeoutError(text, opts);
  if (status === 503) return new ConnectConflictError(text, { ...opts, retryable: true });
  return new ConnectRequestError(text, opts);
}
