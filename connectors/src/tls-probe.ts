import { isIP } from "node:net";
import { connect } from "node:tls";

/** What a TLS session needs from a Connect target: the same fields the client's agent uses. */
export interface TlsProbeOptions {
  ca?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

/**
 * Why a worker dropped an HTTPS connection, when TLS is the reason. Under TLS 1.3 the server
 * checks the client certificate after the client considers the handshake done, so an HTTP
 * client sees only "other side closed". A bare TLS session that sends one request and listens
 * hears the alert (or the silent close) and names it. Undefined when the session answers.
 */
export function tlsRejection(url: string, opts: TlsProbeOptions = {}): Promise<string | undefined> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    let settled = false;
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(why);
    };
    const hint = opts.cert
      ? "the worker does not accept kiln's client certificate (tls.certFile is not signed by a CA it trusts)"
      : "the worker requires a client certificate (set tls.certFile and tls.keyFile)";
    const socket = connect({
      host,
      port: Number(u.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert } : {}),
      ...(opts.key ? { key: opts.key } : {}),
    });
    socket.setTimeout(opts.timeoutMs ?? 5000, () => done(undefined));
    let handshaken = false;
    socket.on("secureConnect", () => {
      handshaken = true;
      socket.write(`GET / HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", () => done(undefined));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "";
      if (/^ERR_SSL_/.test(code)) {
        const alert = /alert ([a-z ]+)/i.exec(err.message)?.[1]?.trim();
        done(`the worker refused the TLS session${alert ? ` (alert: ${alert})` : ""}: ${hint}`);
      } else if (/CERT|SELF_SIGNED|UNABLE_TO/.test(code)) {
        done(
          `kiln does not trust the worker's certificate (${code}): set tls.caFile to the CA that signed it`,
        );
      } else done(undefined);
    });
    socket.on("close", () => {
      // Closed after the handshake without one byte of answer: the worker dropped kiln's certificate.
      done(handshaken ? `the worker closed the TLS session before answering: ${hint}` : undefined);
    });
  });
}
