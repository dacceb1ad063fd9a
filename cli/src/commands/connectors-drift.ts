import { changeJson, driftOf, passwordKeysLookup } from "@kiln/connectors";
import { EXIT_CHANGES, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type ConnectorsOptions, planFor } from "./connectors-common.js";

/**
 * `kiln connectors drift`: for scheduled CI. Reads live state only (no validation calls) and
 * reports what differs from the files, plus undeclared connectors on `adopt` clusters.
 * Exit 0 in sync, 2 drift, 1 error.
 */
export async function run(io: CommandIO, opts: ConnectorsOptions): Promise<number> {
  const plan = await planFor(io, opts, { validate: false });
  try {
    const keys = passwordKeysLookup(plan);
    const clusters = plan.clusters.map((c) => ({
      cluster: c.target.name,
      drift: driftOf(c.plan, c.ownership).map((ch) => changeJson(ch, keys)),
    }));
    const total = clusters.reduce((n, c) => n + c.drift.length, 0);
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify({ drifted: total > 0, clusters }, null, 2));
    } else {
      for (const c of clusters) {
        for (const d of c.drift)
          writeLine(io.stdout, `${c.cluster}/${d.name}: ${d.kind}${d.note ? ` (${d.note})` : ""}`);
      }
      writeLine(io.stdout, total > 0 ? `Drift: ${total} connector(s) differ from the files.` : "No drift.");
    }
    return total > 0 ? EXIT_CHANGES : EXIT_OK;
  } finally {
    await plan.close();
  }
}
