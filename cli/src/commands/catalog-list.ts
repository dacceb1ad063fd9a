import { requireCatalog } from "@kiln/pipeline/catalog";
import type { ConnectorPlugin } from "@kiln/schemas";
import { EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { formatTable } from "../table.js";

interface Options {
  type?: ConnectorPlugin["type"];
  kafka?: string;
  catalog: string;
  json?: boolean;
}

export async function run(io: CommandIO, opts: Options): Promise<number> {
  const catalog = await requireCatalog(opts.catalog, io.cwd ?? process.cwd());
  const entries = catalog.query({
    ...(opts.type ? { type: opts.type } : {}),
    ...(opts.kafka ? { kafka: opts.kafka } : {}),
  });
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify(entries, null, 2));
    return EXIT_OK;
  }
  const rows = entries.map((e) => [e.name, e.type, e.version, e.kafka, e.license, e.title]);
  writeLine(io.stdout, formatTable(["name", "type", "version", "kafka", "license", "title"], rows));
  return EXIT_OK;
}
