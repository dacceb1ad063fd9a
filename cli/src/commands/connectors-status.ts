import { clusterStatus } from "@kiln/connectors";
import { type CommandIO, writeLine } from "../io.js";
import { formatTable } from "../table.js";
import { type ConnectorsOptions, clientFor } from "./connectors-common.js";

export interface StatusOptions extends ConnectorsOptions {
  traces?: boolean;
}

/** `kiln connectors status`: connectors, tasks, worker ids and (with --traces) failure traces. */
export async function run(io: CommandIO, opts: StatusOptions): Promise<number> {
  const { client } = await clientFor(io, opts);
  try {
    const rows = await clusterStatus(client);
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify(rows, null, 2));
      return 0;
    }
    const table = rows.map((r) => [
      r.name,
      r.type,
      r.state,
      r.tasks.map((t) => `${t.id}:${t.state}`).join(" ") || "-",
      [...new Set([r.workerId, ...r.tasks.map((t) => t.workerId)])].join(","),
    ]);
    writeLine(io.stdout, formatTable(["name", "type", "state", "tasks", "workers"], table));
    if (opts.traces) {
      for (const r of rows) {
        for (const [what, trace] of [
          ["connector", r.trace],
          ...r.tasks.map((t) => [`task ${t.id}`, t.trace]),
        ]) {
          if (trace)
            writeLine(io.stdout, `\n--- ${r.name} ${what}\n${trace.split("\n").slice(0, 15).join("\n")}`);
        }
      }
    }
    return 0;
  } finally {
    await client.close();
  }
}
