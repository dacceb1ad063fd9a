import { KilnError, redactUrl } from "@kiln/schemas";

interface Status {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** An error status from the Kubernetes API server. */
export class KubeApiError extends KilnError {
  readonly status: number;
  readonly reason: string | undefined;
  readonly causes: Array<{ reason?: string; message?: string; field?: string }>;

  constructor(
    message: string,
    opts: { status: number; reason?: string; causes?: KubeApiError["causes"]; url?: string; cause?: unknown },
  ) {
    super(message, { ...(opts.url ? { location: { url: opts.url } } : {}), cause: opts.cause });
    this.status = opts.status;
    this.reason = opts.reason;
    this.causes = opts.causes ?? [];
  }

  static from(
    method: string,
    path: string,
    status: number,
    body: unknown,
    where: { context: string; server: string },
  ): KubeApiError {
    const s = (typeof body === "object" && body !== null ? body : {}) as Status;
    const text = s.message ?? (typeof body === "string" && body ? body.slice(0, 300) : `HTTP ${status}`);
    const hint =
      status === 401
        ? ` (the credentials of context "${where.context}" were rejected)`
        : status === 403
          ? ` (context "${where.context}" is not allowed to do this)`
          : "";
    return new KubeApiError(`${method} ${path.split("?")[0]}: ${text}${hint}`, {
      status,
      ...(s.reason ? { reason: s.reason } : {}),
      causes: s.details?.causes ?? [],
      url: redactUrl(where.server),
    });
  }
}

/** The API server could not be reached at all (DNS, refused, TLS, timeout). */
export class KubeUnreachableError extends KilnError {
  constructor(where: { context: string; server: string }, cause: unknown) {
    const e = cause as NodeJS.ErrnoException;
    super(
      `cannot reach the Kubernetes API server of context "${where.context}": ${e.code && !e.message.includes(e.code) ? `${e.code} ` : ""}${e.message}`,
      { location: { url: redactUrl(where.server) }, cause },
    );
  }
}

/** One or more preflight checks failed; nothing was applied. */
export class PreflightError extends KilnError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`preflight failed, nothing was applied:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** Applying stopped part-way: says what was applied and what was not. */
export class ApplyError extends KilnError {}

/** A resource did not become ready. */
export class RolloutWaitError extends KilnError {
  readonly failures: Array<{ object: string; condition: string; reason?: string; message?: string }>;
  constructor(failures: RolloutWaitError["failures"], summary: string) {
    super(
      `${summary}:\n${failures
        .map(
          (f) =>
            `  - ${f.object}: ${f.condition}${f.reason ? ` (${f.reason})` : ""}${f.message ? `: ${f.message}` : ""}`,
        )
        .join("\n")}`,
    );
    this.failures = failures;
  }
}

/** Manifests given to rollout are not usable (not Kubernetes objects, duplicates, unreadable). */
export class ManifestError extends KilnError {}
