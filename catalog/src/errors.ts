import { KilnError, redactUrl } from "@kiln/schemas/core";

/** A downloaded file whose digest is not the pinned one. The file was discarded; nothing was cached. */
export class ChecksumError extends KilnError {
  readonly expected: string;
  readonly actual: string;

  constructor(what: string, algorithm: string, expected: string, actual: string, url?: string) {
    super(`${algorithm} mismatch for ${what}: expected ${expected}, got ${actual} (the file was discarded)`, {
      ...(url ? { location: { url: redactUrl(url) } } : {}),
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A download that failed: status (when the server answered), redacted URL, and whether a retry could help. */
export class DownloadError extends KilnError {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(
    message: string,
    url: string,
    opts: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { location: { url: redactUrl(url) }, cause: opts.cause });
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }
}

/** An archive kiln refuses to unpack (path escapes, device files, bombs…). */
export class UnsafeArchiveError extends KilnError {
  constructor(archive: string, reason: string) {
    super(`refusing to unpack ${archive}: ${reason}`, { location: { file: archive } });
  }
}

/** Anything else that stops a plugin from resolving (bad lock, missing tool, bad settings). */
export class ResolveError extends KilnError {}

/** A URL safe to print: user info and credential-like query values removed (one rule for all of kiln). */
