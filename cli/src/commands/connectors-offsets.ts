import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ConnectorOffsets, changeOffsets } from "@kiln/connectors";
import { KilnError } from "@kiln/schemas";
import { UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type ConnectorsOptions, clientFor, cwdOf } from "./connectors-common.js";

export interface OffsetsOptions extends ConnectorsOptions {
  /** JSON file of `{"offsets":[{"partition":…,"offset":…}]}` for alter. */
  file?: string;
  backupDir: string;
}

/** `kiln connectors offsets get|reset|alter <connector>`: stop → back up → change → restore state. */
export async function run(
  io: CommandIO,
  action: string,
  name: string,
  opts: OffsetsOptions,
): Promise<number> {
  if (!["get", "reset", "alter"].includes(action))
    throw new UsageError(`unknown offsets action ${action}: get, reset or alter`);
  const { client, name: cluster } = await clientFor(io, opts);
  try {
    if (action === "get") {
      writeLine(io.stdout, JSON.stringify(await client.getOffsets(name), null, 2));
      return 0;
    }
    let offsets: ConnectorOffsets | undefined;
    if (action === "alter") {
      if (!opts.file) throw new UsageError("offsets alter needs --file <offsets.json>");
      try {
        offsets = JSON.parse(await readFile(resolve(cwdOf(io), opts.file), "utf8")) as ConnectorOffsets;
      } catch (err) {
        throw new KilnError(`cannot read offsets from ${opts.file}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (!Array.isArray(offsets?.offsets)) throw new KilnError(`${opts.file} has no "offsets" array`);
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const backupFile = resolve(cwdOf(io), opts.backupDir, `${cluster}-${name}-${stamp}.json`);
    const result = await changeOffsets(
      client,
      name,
      action === "reset" ? { kind: "reset" } : { kind: "alter", offsets: offsets as ConnectorOffsets },
      { backupFile, onStep: (s) => io.stderr.write(`${s}\n`) },
    );
    if (opts.json) writeLine(io.stdout, JSON.stringify({ backupFile, ...result }, null, 2));
    else writeLine(io.stdout, `${result.message}\nbackup: ${backupFile}`);
    return 0;
  } finally {
    await client.close();
  }
}
