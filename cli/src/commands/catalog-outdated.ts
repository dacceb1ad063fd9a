import { outdated } from "@kiln/pipeline/catalog-updates";
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
  const report = await outdated(
    { catalog: opts.catalog, names, ...(opts.pre ? { pre: true } : {}) },
    { cwd: io.cwd ?? process.cwd(), env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
  );
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
