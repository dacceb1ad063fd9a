import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { affectedImages } from "../pr/changes.js";
import { collectChanges } from "../pr/collect.js";
import { mergeBase, trackedClusterFiles } from "../pr/git.js";
import { GitHubReporter, githubContextFromEnv } from "../pr/github.js";
import { type PrEntryReport, type PrReport, renderSummary, reportFailed } from "../pr/summary.js";

interface Options {
  base?: string;
  catalog: string;
  summary: string;
  json?: boolean;
}

/**
 * What a PR changes in the catalog, checked: validation of every changed
 * entry, the images it affects, a markdown summary; with GITHUB_TOKEN, the
 * summary as a PR comment (updated in place) and a check run with annotations.
 */
export async function run(io: CommandIO, opts: Options): Promise<number> {
  const repo = io.cwd ?? process.cwd();
  const baseRef = opts.base ?? (io.env.GITHUB_BASE_REF ? `origin/${io.env.GITHUB_BASE_REF}` : "origin/main");
  const base = await mergeBase(repo, baseRef);
  const collected = await collectChanges(repo, base, opts.catalog, await trackedClusterFiles(repo));

  const entries: PrEntryReport[] = collected.changes.map((change) => {
    if (change.change === "removed") return { change, checks: [] };
    const errors = collected.diagnostics.filter(
      (d) => d.severity === "error" && d.location.file === change.file,
    );
    return {
      change,
      checks: [
        {
          name: "validate",
          status: errors.length === 0 ? "pass" : "fail",
          ...(errors.length ? { detail: `${errors.length} error${errors.length === 1 ? "" : "s"}` } : {}),
        },
      ],
    };
  });
  const report: PrReport = {
    base,
    entries,
    diagnostics: collected.diagnostics,
    images: affectedImages(collected.changes, collected.clusters),
  };
  const markdown = renderSummary(report);
  const summaryPath = resolve(repo, opts.summary);
  await mkdir(dirname(summaryPath), { recursive: true });
  await writeFile(summaryPath, markdown);

  const failed = reportFailed(report);
  if (opts.json) writeLine(io.stdout, JSON.stringify({ failed, ...report }, null, 2));
  else {
    for (const d of report.diagnostics) writeLine(io.stderr, formatDiagnostic(d));
    io.stdout.write(markdown);
  }

  const gh = await githubContextFromEnv(io.env);
  if (gh) {
    const reporter = new GitHubReporter(gh);
    const url = await reporter.upsertComment(markdown);
    const n = report.entries.length;
    await reporter.createCheckRun({
      failed,
      title: `${n} catalog entr${n === 1 ? "y" : "ies"} changed${failed ? ": problems found" : ""}`,
      summary: markdown,
      diagnostics: report.diagnostics,
    });
    writeLine(io.stderr, `kiln: PR summary posted: ${url}`);
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}
