// One reading of socket and TLS failures for every client kiln has (downloads, registries,
// Connect workers), so a raw `ECONNRESET` or an OpenSSL "wrong version number" always comes
// with what it means and what to do.

/**
 * Codes of `HttpPool`'s own failures (`@kiln/schemas/http`); the others are Node's
 * (ECONNREFUSED, ECONNRESET, TLS). A connection not made in time fails as the system's own
 * connect timeout does.
 */
export const CONNECT_TIMEOUT = "ETIMEDOUT";
export const HEADERS_TIMEOUT = "KILN_HEADERS_TIMEOUT";
export const BODY_TIMEOUT = "KILN_BODY_TIMEOUT";
/** A body that ended before its content-length. */
export const SHORT_BODY = "KILN_SHORT_BODY";
/** An answer longer than a client reads into memory. */
export const BODY_TOO_LARGE = "KILN_BODY_TOO_LARGE";

/** The error code of a failure from node, the pool or OpenSSL (also when wrapped in `cause`). */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function messages(err: unknown): string {
  const out: string[] = [];
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (typeof e.message === "string") out.push(e.message);
    e = e.cause as typeof e;
  }
  return out.join(" ");
}

const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
]);

export interface NetworkHints {
  /** How to trust a private CA for this client (e.g. "pass --registry-ca <file>"). */
  trustCa?: string;
  /** How to speak plain http to this server, when that is allowed (e.g. "--insecure-registry host:port"). */
  plainHttp?: string;
}

/**
 * A sentence for a failed connection: what happened, in words, and the fix when there is one.
 * `hints` name the client's own switches.
 */
export function describeNetworkError(err: unknown, hints: NetworkHints = {}): string {
  const code = networkErrorCode(err) ?? "";
  const text = messages(err);
  const trust =
    hints.trustCa ??
    'set NODE_EXTRA_CA_CERTS to a PEM file holding it (see "Private certificate authorities" in kiln\'s README)';
  if (UNTRUSTED.has(code))
    return `the server's TLS certificate is not signed by a CA this machine trusts (${code}); if it comes from a private CA, ${trust}`;
  if (code === "CERT_HAS_EXPIRED") return `the server's TLS certificate has expired (${code})`;
  if (code === "CERT_NOT_YET_VALID")
    return `the server's TLS certificate is not valid yet (${code}); check the clocks`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `the server's TLS certificate does not name this host (${code}); use a host name the certificate lists`;
  if (
    /wrong version number|packet length too long|ERR_SSL_WRONG_VERSION_NUMBER|http request/i.test(
      `${code} ${text}`,
    )
  )
    return `the server does not speak TLS on this port (it answered like plain http)${hints.plainHttp ? `; if it is meant to be plain http, ${hints.plainHttp}` : "; use the https port, or an http:// URL where plain http is allowed"}`;
  if (code === "ECONNREFUSED") return "nothing accepts connections at that address (connection refused)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `the host name does not resolve (${code})`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `the host cannot be reached (${code})`;
  if (code === CONNECT_TIMEOUT) return `the connection timed out (${code})`;
  if (code === HEADERS_TIMEOUT) return "the server accepted the request but sent no answer in time";
  if (code === BODY_TIMEOUT) return "the server stopped sending the answer midway (body timeout)";
  if (code === "ECONNRESET" || code === "EPIPE")
    return `the server closed the connection before answering (${code})`;
  if (code === BODY_TOO_LARGE) return `the server sent a longer answer than kiln reads (${text})`;
  if (code === SHORT_BODY) return "the answer was shorter than the server announced (connection cut)";
  if (/certificate|SSL|TLS/i.test(`${code} ${text}`))
    return `TLS failed: ${text || code}; if the server uses a private CA, ${trust}`;
  return code ? `${text || "connection failed"} (${code})` : text || "connection failed";
}
