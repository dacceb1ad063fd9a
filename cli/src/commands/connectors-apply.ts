import {
  type ApplyResult,
  applyPlan,
  DEFAULT_CONCURRENCY,
  formatPlan,
  passwordKeysLookup,
  pendingChanges,
  WaitError,
} from "@kiln/connectors";
import { formatDiagnostic } from "@kiln/schemas/errors";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type ConnectorsOptions, planFor, progress, reportDiagnostics } from "./connectors-common.js";

export interface ApplyCommandOptions extends ConnectorsOptions {
  prune?: boolean;
  wait?: boolean;
  /** Milliseconds (parsed from the flag). */
  waitTimeout?: number;
  concurrency?: number;
}

/**
 * `kiln connectors apply`: plan, then carry it out; deletes only with --prune. Connect validates
 * each config as it is written (nothing is written when it refuses one); a refused config is
 * validated again on its own, so its findings are located per key.
 */
export async function run(io: CommandIO, opts: ApplyCommandOptions): Promise<number> {
  const plan = await planFor(io, opts, { validate: false });
  try {
    if (reportDiagnostics(io, plan)) return EXIT_FAILURE;
    if (!opts.json) {
      writeLine(
        io.stdout,
        formatPlan(
          plan.clusters.map((c) => ({ plan: c.plan, url: c.client.activeUrl, version: c.version })),
          passwordKeysLookup(plan),
          { prune: opts.prune ?? false },
        ),
      );
    }
    const results: ApplyResult[] = [];
    let waitFailure: WaitError | undefined;
    for (const c of plan.clusters) {
      const work = pendingChanges(c.plan);
      if (work.length === 0 && !opts.wait) {
        results.push({ cluster: c.target.name, applied: [], skipped: [], failed: [] });
        continue;
      }
      const bar = progress(io, work.length);
      const concurrency = opts.concurrency ?? c.target.concurrency ?? DEFAULT_CONCURRENCY;
      try {
        results.push(
          await applyPlan(c.client, c.plan, {
            concurrency,
            // Validation is CPU work on the worker, not a queued write: fewer at once than writes.
            validateConcurrency: Math.min(concurrency, 16),
            prune: opts.prune ?? false,
            wait: opts.wait ?? false,
            waitTimeoutMs: opts.waitTimeout ?? 120_000,
            onEvent: (e) => bar.event(e),
          }),
        );
      } catch (err) {
        if (!(err instanceof WaitError)) throw err;
        waitFailure = err;
      } finally {
        bar.done();
      }
    }
    const failed = results.flatMap((r) => r.failed.map((f) => ({ cluster: r.cluster, ...f })));
    if (opts.json) {
      writeLine(io.stdout, JSON.stringify({ results, waitFailures: waitFailure?.failures ?? [] }, null, 2));
    } else {
      const applied = results.reduce((n, r) => n + r.applied.length, 0);
      const skipped = results.flatMap((r) => r.skipped);
      writeLine(
        io.stdout,
        `Applied ${applied} change(s)${skipped.length ? `, skipped ${skipped.length} (${[...new Set(skipped.map((s) => s.reason))].join("; ")})` : ""}.`,
      );
      for (const f of failed) {
        for (const d of f.diagnostics ?? []) io.stderr.write(`kiln: ${formatDiagnostic(d)}\n`);
        io.stderr.write(`kiln: ${f.cluster}/${f.name}: ${f.error}\n`);
      }
      if (waitFailure) {
        io.stderr.write(`kiln: ${waitFailure.userMessage}\n`);
        for (const f of waitFailure.failures) {
          for (const t of f.traces)
            io.stderr.write(`--- ${f.name}\n${t.split("\n").slice(0, 12).join("\n")}\n`);
        }
      }
    }
    return failed.length > 0 || waitFailure ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await plan.close();
  }
}
