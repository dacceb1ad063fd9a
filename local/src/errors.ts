import { KilnError } from "@kiln/schemas";

/** Something a local run cannot do with what it was given (missing tool, busy address, invalid pod). */
export class LocalRuntimeError extends KilnError {
  override name = "LocalRuntimeError";
}
