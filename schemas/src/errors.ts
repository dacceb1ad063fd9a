import { redactText } from "./secrets.js";

/** Where a problem is: a file position and JSON path, or a URL. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** JSON path into the document, e.g. `artifacts[0].sha512`. */
  path?: string;
  url?: string;
}

export function formatLocation(loc: Location): string {
  if (loc.url) return redactText(loc.url);
  let out = loc.file ?? "<input>";
  if (loc.line !== undefined) out += `:${loc.line}`;
  if (loc.column !== undefined) out += `:${loc.column}`;
  return out;
}

/**
 * Base of every error kiln reports to a person. `userMessage` is one sentence
 * without a stack; `exitCode` is what the CLI exits with. A credential inside
 * a URL never reaches the message, whoever built it.
 */
export class KilnError extends Error {
  readonly userMessage: string;
  readonly location: Location | undefined;
  readonly exitCode: number;
  /** What to do about it, when the message alone does not say (printed on a line of its own). */
  readonly hint: string | undefined;

  constructor(
    userMessage: string,
    options: { location?: Location; cause?: unknown; exitCode?: number; hint?: string } = {},
  ) {
    const where = options.location ? `${formatLocation(options.location)}: ` : "";
    const message = redactText(userMessage);
    super(`${where}${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.userMessage = message;
    this.location = options.location;
    this.exitCode = options.exitCode ?? 1;
    this.hint = options.hint;
  }
}

/**
 * A value the caller chose (a command-line flag, an option of a pipeline step) that cannot be
 * used, found only once the step runs (e.g. `--push` without a reference, for a Connect cluster
 * that names no repository). The CLI reports it as a usage error.
 */
export class OptionError extends KilnError {}

/** A problem found in a file: one per finding, several per file. */
export interface Diagnostic {
  severity: "error" | "warning";
  message: string;
  location: Location;
  /** Stable machine-readable code, e.g. `schema`, `yaml-duplicate-key`. */
  code: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const path = d.location.path ? ` (${d.location.path})` : "";
  return `${formatLocation(d.location)}: ${d.severity}: ${redactText(d.message)}${path}`;
}

/** Thrown when a document fails to load or validate; carries every finding. */
export class SpecError extends KilnError {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[], options: { hint?: string } = {}) {
    const first = diagnostics[0];
    super(first ? first.message : "invalid document", {
      ...(first ? { location: first.location } : {}),
      ...options,
    });
    this.diagnostics = diagnostics;
  }
}

/**
 * Why a command's overall deadline (`--timeout`) fired: the reason its AbortSignal carries, so
 * whatever was running can say that it gave up and why.
 */
export class DeadlineError extends KilnError {
  readonly budget: string;

  constructor(budget: string) {
    super(`the time limit of ${budget} ran out`);
    this.budget = budget;
  }
}

/** An operation abandoned because the command's deadline fired; names the operation. */
export class OperationTimeoutError extends KilnError {}

/**
 * When `signal` has fired, the error that says which operation gave up (`operation` reads as
 * "waiting for GET https://…"); undefined otherwise. Every network client maps an aborted
 * request through this.
 */
export function abortedError(
  signal: AbortSignal | undefined,
  operation: string,
  cause?: unknown,
): OperationTimeoutError | undefined {
  if (!signal?.aborted) return undefined;
  const reason = signal.reason;
  const budget = reason instanceof DeadlineError ? `${reason.budget} (--timeout)` : "the time limit";
  return new OperationTimeoutError(`gave up after ${budget} while ${operation}`, {
    cause: cause ?? reason,
  });
}
