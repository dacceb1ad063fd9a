import { resolve } from "node:path";
import { readCatalog } from "@kiln/catalog";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { formatTable } from "../table.js";

interface Options {
  catalog: string;
  json?: boolean;
}

/**
 * The main job. Today: validate the catalog and list it. Each later stage
 * (lock check, resolve, bake, render) is added here as it lands.
 */
export async function run(io: CommandIO, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const result = await readCatalog(resolve(cwd, opts.catalog), { cwd });
  for (const d of result.diagnostics) writeLine(io.stderr, formatDiagnostic(d));
  if (!result.catalog) {
    writeLine(io.stderr, `kiln: build stopped: the catalog has errors (${result.files} files read)`);
    return EXIT_FAILURE;
  }
  const entries = result.catalog.query();
  if (opts.json) {
    writeLine(
      io.stdout,
      JSON.stringify({ catalog: { valid: true, entries: entries.map((e) => e.name) } }, null, 2),
    );
    return EXIT_OK;
  }
  writeLine(io.stdout, `catalog: ${entries.length} entries valid`);
  writeLine(
    io.stdout,
    formatTable(
      ["name", "type", "version", "kafka"],
      entries.map((e) => [e.name, e.type, e.version, e.kafka]),
    ),
  );
  return EXIT_OK;
}
