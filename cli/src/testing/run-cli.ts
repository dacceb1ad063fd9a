import { Writable } from "node:stream";
import { main } from "../cli.js";

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI in-process with captured streams, as a test would run `kiln …`. */
export async function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout,
    stderr,
    env: opts.env ?? {},
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
