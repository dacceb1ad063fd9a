import { formatDiagnostic, formatLocation, KilnError, redactText, SpecError } from "@kiln/schemas";
import type { CommandIO } from "./io.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A usage mistake: exit 2, message only. */
export class UsageError extends KilnError {
  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
  }
}

/** The one place errors become output: a plain line for known errors, a report request for bugs. */
export function reportError(err: unknown, io: CommandIO): number {
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
    return err.exitCode;
  }
  io.stderr.write(
    `kiln: internal error: ${redactText(String((err as Error)?.stack ?? err))}\nThis is a bug in kiln; please report it with the command you ran.\n`,
  );
  return EXIT_FAILURE;
}
