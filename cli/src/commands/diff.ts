import { diff } from "@kiln/clusters/rollout";
import { EXIT_CHANGES, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type KubeOptions, prepare, progressLines } from "./rollout-common.js";

/** `kiln diff <rendered dir>`: live objects versus what a rollout would store; Secret values never shown. */
export async function run(io: CommandIO, paths: string[], opts: KubeOptions): Promise<number> {
  const { objects, inventory, client, namespace } = await prepare(io, paths, opts);
  const { diffs, warnings } = await diff(client, objects, {
    inventory,
    namespace,
    onEvent: progressLines(io),
  });
  const changed = diffs.filter((d) => d.change !== "unchanged");
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify({ inventory, diffs, warnings }, null, 2));
  } else {
    for (const d of changed) {
      writeLine(
        io.stdout,
        `# ${d.object}: ${d.change === "prune" ? "would be deleted with --prune" : d.change}`,
      );
      if (d.note) writeLine(io.stdout, `# ${d.note}`);
      io.stdout.write(d.diff);
    }
    writeLine(
      io.stdout,
      `${inventory}: ${changed.length} of ${diffs.length} object(s) differ${warnings.length ? ` (${warnings.length} warning(s) on stderr)` : ""}`,
    );
  }
  return changed.length > 0 ? EXIT_CHANGES : EXIT_OK;
}
