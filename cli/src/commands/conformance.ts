import { relative } from "node:path";
import { conformance } from "@kiln/pipeline/conformance";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";

interface Options {
  kafka?: string;
  catalog: string;
  lockfile?: string;
  out: string;
  systems?: string;
  keepLogs?: boolean;
  json?: boolean;
}

/**
 * Proves catalog entries on real Kafka Connect: for each Kafka version they
 * claim, one worker with the plugin directories exactly as kiln bakes them;
 * writes the compatibility matrix as JSON and markdown.
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const { matrix, markdown, logs } = await conformance(
    {
      names,
      catalog: opts.catalog,
      out: opts.out,
      ...(opts.lockfile ? { lockfile: opts.lockfile } : {}),
      ...(opts.kafka ? { kafka: opts.kafka.split(",").map((v) => v.trim()) } : {}),
      ...(opts.systems ? { systems: opts.systems } : {}),
      ...(opts.keepLogs ? { keepLogs: true } : {}),
    },
    { cwd, env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    { onProgress: progressReporter(io), onLine: (line) => writeLine(io.stderr, line) },
  );
  if (opts.json) writeLine(io.stdout, JSON.stringify(matrix, null, 2));
  else io.stdout.write(markdown);
  if (matrix.errors.length > 0)
    writeLine(
      io.stderr,
      logs
        ? `kiln: the workers' logs are in ${relative(cwd, logs) || logs}`
        : "kiln: rerun with --keep-logs to keep the Connect workers' logs (they explain most failures)",
    );
  return matrix.errors.length === 0 ? EXIT_OK : EXIT_FAILURE;
}
