import { formatDiagnostic, formatLocation, KilnError, OptionError, SpecError } from "@kiln/schemas/errors";
import { redactText } from "@kiln/schemas/secrets";
import type { CommandIO } from "./io.js";

// Every exit code kiln uses, in one table (README.md "Exit codes" documents it; a test keeps
// the two equal). Plan-style verbs follow terraform's `-detailed-exitcode`; usage errors take
// sysexits' EX_USAGE, so a scheduled job can tell "drift found" from "called wrongly".
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CHANGES = 2;
export const EXIT_USAGE = 64;

export const EXIT_CODES: ReadonlyArray<{ code: number; meaning: string }> = [
  { code: EXIT_OK, meaning: "success; for `plan`, `drift`, `diff` and `catalog outdated`: nothing differs" },
  {
    code: EXIT_FAILURE,
    meaning:
      "failure: invalid input (a located error), a failed operation (`catalog add` and `catalog bump` when inspection finds a problem, the entry written for review; `catalog update-prs` when a bump fails), or a bug in kiln",
  },
  {
    code: EXIT_CHANGES,
    meaning:
      "success, and something differs: `connectors plan` has pending changes, `connectors drift` found drift, `diff` found differences, `catalog outdated` found newer releases",
  },
  {
    code: EXIT_USAGE,
    meaning: "usage error: unknown command or option, a bad option value, a missing argument",
  },
];

/** A usage mistake: exit EXIT_USAGE, message only (an OptionError from a pipeline step exits the same way). */
export class UsageError extends OptionError {
  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
  }
}

const ERRNO: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exhausted",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "too many symbolic links",
  EXDEV: "crosses file systems",
};

/**
 * A failed file-system call (kiln asked to write where it cannot: an --out under a file, a
 * read-only directory, a full disk) is the environment, not a bug: said with its path.
 */
function systemError(err: unknown): string | undefined {
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown };
  if (!(err instanceof Error) || typeof e.code !== "string" || typeof e.syscall !== "string")
    return undefined;
  const what = ERRNO[e.code];
  if (!what) return undefined;
  const path = typeof e.path === "string" ? `${e.path}: ` : "";
  return `${path}${what} (${e.syscall}${typeof e.dest === "string" ? ` to ${e.dest}` : ""})`;
}

/** The one place errors become output: a plain line for known errors, a report request for bugs. */
export function reportError(err: unknown, io: CommandIO): number {
  const system = systemError(err);
  if (system) {
    io.stderr.write(`kiln: ${redactText(system)}\n`);
    return EXIT_FAILURE;
  }
  if (err instanceof SpecError && err.diagnostics.length > 0) {
    // Every finding, each on its own line: a file is fixed in one go, not one error per run.
    for (const d of err.diagnostics) io.stderr.write(`kiln: ${formatDiagnostic(d)}\n`);
  } else if (err instanceof KilnError) {
    const where = err.location ? `${formatLocation(err.location)}: ` : "";
    io.stderr.write(`kiln: ${where}${err.userMessage}\n`);
  }
  if (err instanceof KilnError) {
    if (err.hint) io.stderr.write(`kiln: hint: ${err.hint}\n`);
    if (io.env.KILN_DEBUG && err.cause)
      io.stderr.write(`caused by: ${redactText(String((err.cause as Error).stack ?? err.cause))}\n`);
    return err instanceof OptionError ? EXIT_USAGE : err.exitCode;
  }
  io.stderr.write(
    `kiln: internal error: ${redactText(String((err as Error)?.stack ?? err))}\nThis is a bug in kiln; please report it with the command you ran.\n`,
  );
  return EXIT_FAILURE;
}
