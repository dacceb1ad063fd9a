import type { Readable, Writable } from "node:stream";

/** What a command may touch: its streams and environment, injected so tests can capture them. */
export interface CommandIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against; defaults to process.cwd(). */
  cwd?: string;
  /** The command's overall deadline (`--timeout`), for everything it sends over the network. */
  signal?: AbortSignal;
  /** Where answers to prompts come from; a verb prompts only when this and stdout are terminals. */
  stdin?: Readable & { isTTY?: boolean };
}

/**
 * Whether progress may redraw a line in place: stderr is a terminal, not CI's log, not a dumb
 * terminal. Otherwise progress is plain lines.
 */
export function interactive(io: CommandIO): boolean {
  return Boolean(io.stderr.isTTY) && !io.env.CI && io.env.TERM !== "dumb";
}

export function useColor(io: CommandIO): boolean {
  return Boolean(io.stdout.isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== "dumb";
}

export function writeLine(stream: Writable, line = ""): void {
  stream.write(`${line}\n`);
}
