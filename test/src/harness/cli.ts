import { Writable } from "node:stream";
import { main } from "@kiln/cli";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

/**
 * Runs the kiln CLI in-process, as CI would (CI=true: plain progress lines),
 * with captured output. `env` replaces the process environment.
 */
export async function runKiln(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, env: { ...opts.env, CI: "true" }, cwd: opts.cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
