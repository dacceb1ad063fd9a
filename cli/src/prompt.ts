import { createInterface } from "node:readline/promises";
import type { CommandIO } from "./io.js";

/** Whether a verb may ask: both ends are a terminal (never in CI or a pipe). */
export function canPrompt(io: CommandIO): boolean {
  return Boolean(io.stdin?.isTTY && io.stdout.isTTY) && !io.env.CI;
}

/** Asks one question on the terminal; an empty answer is undefined. */
export async function ask(io: CommandIO, question: string): Promise<string | undefined> {
  if (!io.stdin) return undefined;
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return (await rl.question(`${question} `)).trim() || undefined;
  } finally {
    rl.close();
  }
}
