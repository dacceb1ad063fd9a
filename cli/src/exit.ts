import { formatLocation, KilnError } from "@kiln/schemas";
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
    meaning: "failure: invalid input (a located error), a failed operation, or a bug in kiln",
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

/** A usage mistake: exit EXIT_USAGE, message only. */
export class UsageError extends KilnError {
  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
  }
}

/** The one place errors become output: a plain line for known errors, a report request for bugs. */
export function reportError(err: unknown, io: CommandIO): number {
  if (err instanceof KilnError) {
    const where = err.location ? `${formatLocation(err.location)}: ` : "";
    io.stderr.write(`kiln: ${where}${err.userMessage}\n`);
    if (io.env.KILN_DEBUG && err.cause)
      io.stderr.write(`caused by: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  io.stderr.write(
    `kiln: internal error: ${String((err as Error)?.stack ?? err)}\nThis is a bug in kiln; please report it with the command you ran.\n`,
  );
  return EXIT_FAILURE;
}
