import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL("../../checkers/build.sh", import.meta.url));

let built: Promise<string> | undefined;

/**
 * The checker commands of test/checkers (cyclonus's NetworkPolicy engine, the Grafana Foundation
 * SDK's dashboard schema), built once per machine by build.sh; their directory.
 */
export function checkersDir(): Promise<string> {
  built ??= run(buildScript, [], { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 }).then(
    ({ stdout, stderr }) => {
      if (stderr.includes("built ")) process.stderr.write(`checkers: ${stderr.trim().split("\n").at(-1)}\n`);
      return stdout.trim().split("\n").at(-1) ?? "";
    },
  );
  return built;
}

/** Runs one checker with `input` on stdin; its stdout, or an error with its stderr. */
export async function runChecker(
  name: "netpol" | "dashboard",
  args: string[],
  input?: string,
): Promise<string> {
  const bin = join(await checkersDir(), name);
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(Object.assign(new Error(`${name} ${args.join(" ")}: ${stderr || err.message}`), { stderr }));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? "");
  });
}
