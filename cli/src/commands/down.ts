import { resolve } from "node:path";
import { down } from "@kiln/local";
import { EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

/** Stops what `kiln up` started under a state directory. */
export async function run(
  io: CommandIO,
  opts: { state: string; keep?: boolean; cluster?: string[] },
): Promise<number> {
  const dir = resolve(io.cwd ?? process.cwd(), opts.state);
  const { stopped } = await down(dir, {
    keep: opts.keep ?? false,
    ...(opts.cluster ? { clusters: opts.cluster } : {}),
  });
  writeLine(
    io.stdout,
    stopped === 0 ? `nothing runs under ${dir}` : `stopped ${stopped} processes under ${dir}`,
  );
  return EXIT_OK;
}
