import { resolve } from "node:path";
import { readTextFile } from "@kiln/catalog";
import { backupFileName, type ConnectorOffsets, changeOffsets, offsetsShape } from "@kiln/connectors";
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
  const { client, name: cluster } = await clientFor(io, opts);
  try {
    if (action === "get") {
      writeLine(io.stdout, JSON.stringify(await client.getOffsets(name), null, 2));
      return 0;
    }
    let offsets: ConnectorOffsets | undefined;
    if (action === "alter") {
      if (!opts.file) throw new UsageError("offsets alter needs --file <offsets.json>");
      const text = await readTextFile(resolve(cwdOf(io), opts.file), { display: opts.file });
      try {
        offsets = JSON.parse(text) as ConnectorOffsets;
      } catch (err) {
        throw new KilnError(`not valid JSON (${(err as Error).message})`, {
          location: { file: opts.file },
          cause: err,
        });
      }
      const bad = offsetsShape(offsets, "offsets file");
      if (bad)
        throw new KilnError(`${bad}; it must be {"offsets": [{"partition": {…}, "offset": {…}}]}`, {
          location: { file: opts.file },
        });
    }
    const backupFile = resolve(cwdOf(io), opts.backupDir, backupFileName(cluster, name, new Date()));
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
