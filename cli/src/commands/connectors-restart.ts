import { autoRestart, clusterStatus, isFailed, restartConnector } from "@kiln/connectors";
import { type CommandIO, writeLine } from "../io.js";
import { type ConnectorsOptions, clientFor } from "./connectors-common.js";

export interface RestartOptions extends ConnectorsOptions {
  all?: boolean;
  failed?: boolean;
  /** Keep restarting failed connectors/tasks with backoff, up to --max-restarts each. */
  auto?: boolean;
  maxRestarts?: number;
  /** The command's time limit in milliseconds, also how long --auto watches. */
  timeout?: number;
}

/** `kiln connectors restart [names...]`: `?includeTasks=true&onlyFailed=true` by default. */
export async function run(io: CommandIO, names: string[], opts: RestartOptions): Promise<number> {
  const { client } = await clientFor(io, opts);
  try {
    if (opts.auto) {
      const result = await autoRestart(client, {
        maxRestarts: opts.maxRestarts ?? 3,
        backoff: { baseDelayMs: 2000, maxDelayMs: 60_000 },
        // Stop watching a little before the command's own limit, so the outcome is reported.
        timeoutMs: Math.max(1000, (opts.timeout ?? 300_000) - 5_000),
        ...(names.length ? { names } : {}),
        onRestart: (name, attempt) => io.stderr.write(`restart ${name} (attempt ${attempt})\n`),
      });
      if (opts.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
      else {
        for (const n of result.recovered) writeLine(io.stdout, `recovered ${n}`);
        for (const g of result.gaveUp)
          writeLine(io.stdout, `gave up on ${g.name} after ${g.restarts} restart(s)`);
      }
      return result.gaveUp.length > 0 ? 1 : 0;
    }
    let targets = names;
    if (targets.length === 0) {
      const rows = await clusterStatus(client);
      targets = rows.filter((r) => opts.all || isFailed(r)).map((r) => r.name);
    }
    for (const name of targets) {
      await restartConnector(client, name, { onlyFailed: !opts.all });
      writeLine(io.stdout, `restarted ${name}`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
