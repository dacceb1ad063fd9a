import { changeJson, formatPlan, hasPending, passwordKeysLookup, summarize } from "@kiln/connectors";
import { EXIT_CHANGES, EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type ConnectorsOptions, planFor, reportDiagnostics } from "./connectors-common.js";

export interface PlanOptions extends ConnectorsOptions {
  verbose?: boolean;
}

/** `kiln connectors plan`: the normalised diff against live state; exit 0 none, 2 pending, 1 error. */
export async function run(io: CommandIO, opts: PlanOptions): Promise<number> {
  const plan = await planFor(io, opts);
  try {
    if (reportDiagnostics(io, plan)) return EXIT_FAILURE;
    const keys = passwordKeysLookup(plan);
    const summary = summarize(plan.clusters.map((c) => c.plan));
    if (opts.json) {
      writeLine(
        io.stdout,
        JSON.stringify(
          {
            clusters: plan.clusters.map((c) => ({
              cluster: c.target.name,
              kafkaVersion: c.version,
              ownership: c.ownership,
              changes: c.plan.changes.map((ch) => changeJson(ch, keys)),
            })),
            summary,
            pending: hasPending(summary),
          },
          null,
          2,
        ),
      );
    } else {
      writeLine(
        io.stdout,
        formatPlan(
          plan.clusters.map((c) => ({ plan: c.plan, url: c.client.activeUrl, version: c.version })),
          keys,
          { verbose: opts.verbose ?? false },
        ),
      );
    }
    return hasPending(summary) ? EXIT_CHANGES : EXIT_OK;
  } finally {
    await plan.close();
  }
}
