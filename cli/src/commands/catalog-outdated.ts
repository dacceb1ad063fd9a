import { findUpdates } from "@kiln/catalog";
import { KilnError } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_CHANGES, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { formatTable } from "../table.js";

interface Options {
  catalog: string;
  pre?: boolean;
  json?: boolean;
}

/**
 * `kiln catalog outdated [names…]`: entries with newer releases (Maven metadata through the
 * configured mirrors, GitHub releases with a token). Exit 0 when none, 2 when some: a
 * scheduled job tells "updates exist" from "the check failed" (1).
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const catalog = await requireCatalog(opts.catalog, cwd);
  const entries = catalog.entries
    .map((e) => e.entry)
    .filter((e) => names.length === 0 || names.includes(e.name));
  for (const n of names)
    if (!catalog.get(n)) throw new KilnError(`no catalog entry named "${n}" (kiln catalog list shows them)`);
  const report = await findUpdates(entries, {
    ...(opts.pre ? { pre: true } : {}),
    resolve: { env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
  });
  if (opts.json) writeLine(io.stdout, JSON.stringify(report, null, 2));
  else {
    if (report.updates.length === 0)
      writeLine(io.stdout, `all ${report.current.length} checked entries are up to date`);
    else
      writeLine(
        io.stdout,
        formatTable(
          ["name", "current", "latest", "source", "note"],
          report.updates.map((u) => [u.name, u.current, u.latest, u.source, u.note ?? ""]),
        ),
      );
    for (const u of report.unchecked) writeLine(io.stderr, `kiln: ${u.name} not checked: ${u.reason}`);
  }
  return report.updates.length > 0 ? EXIT_CHANGES : EXIT_OK;
}
