import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LOCKFILE_NAME, type ResolvedPlugin } from "@kiln/catalog";
import { matrixMarkdown } from "@kiln/connectors";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { readLockfile } from "../lockfile.js";
import { affectedImages } from "../pr/changes.js";
import { checkEntry, conformanceOf, predictImage } from "../pr/checks.js";
import { collectChanges } from "../pr/collect.js";
import { mergeBase, trackedClusterFiles } from "../pr/git.js";
import { GitHubReporter, githubContextFromEnv } from "../pr/github.js";
import {
  type PrCheck,
  type PrEntryReport,
  type PrReport,
  renderSummary,
  reportFailed,
} from "../pr/summary.js";
import { DEFAULT_CONFORMANCE_KAFKA } from "./conformance.js";

interface Options {
  base?: string;
  catalog: string;
  lockfile?: string;
  conformance?: boolean;
  kafka?: string;
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
  const collected = await collectChanges(
    repo,
    base,
    opts.catalog,
    await trackedClusterFiles(repo),
    opts.lockfile ?? LOCKFILE_NAME,
  );

  const lock = (await readLockfile(opts.lockfile, repo))?.lock;
  const entries: PrEntryReport[] = [];
  const resolved: ResolvedPlugin[] = [];
  for (const change of collected.changes) {
    if (change.change === "removed") {
      entries.push({ change, checks: [] });
      continue;
    }
    const errors = collected.diagnostics.filter(
      (d) => d.severity === "error" && d.location.file === change.file,
    );
    const checks: PrCheck[] = [
      errors.length === 0
        ? { name: "validate", status: "pass" }
        : {
            name: "validate",
            status: "fail",
            detail: `${errors.length} error${errors.length === 1 ? "" : "s"}`,
          },
    ];
    if (errors.length === 0) {
      const more = await checkEntry(collected.catalog, lock, change.name, io.env, io.signal);
      checks.push(...more.checks);
      if (more.resolved) resolved.push(more.resolved);
    }
    entries.push({ change, checks });
  }
  const sections: string[] = [];
  const conformance: PrReport["conformance"] = !opts.conformance
    ? "not requested"
    : resolved.length > 0
      ? "ran"
      : "nothing to run";
  if (conformance === "ran") {
    const kafka = opts.kafka ? opts.kafka.split(",").map((v) => v.trim()) : DEFAULT_CONFORMANCE_KAFKA;
    const matrix = await conformanceOf(
      collected.catalog,
      resolved,
      kafka,
      (line) => writeLine(io.stderr, line),
      io.signal,
    );
    for (const e of entries) {
      const row = matrix.rows.find((r) => r.entry === e.change.name);
      if (!row) continue;
      const failed = matrix.errors.filter((x) => x.entry === e.change.name);
      e.checks.push(
        failed.length
          ? { name: "conformance", status: "fail", detail: failed.map((x) => x.message).join("; ") }
          : { name: "conformance", status: "pass", detail: Object.keys(row.cells).join(", ") },
      );
    }
    sections.push(`### Conformance\n\n${matrixMarkdown(matrix)}`);
  }
  const report: PrReport = {
    base,
    entries,
    diagnostics: collected.diagnostics,
    images: await Promise.all(
      affectedImages(collected.changes, collected.clusters).map(async (img) => {
        if (!lock || !img.base || img.plugins.some((p) => !collected.catalog.get(p))) return img;
        return {
          ...img,
          ...(await predictImage(
            collected.catalog,
            lock,
            { base: img.base, plugins: img.allPlugins },
            io.env,
            io.signal,
          )),
        };
      }),
    ),
    sections,
    conformance,
    uncommitted: collected.uncommitted,
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
  for (const file of collected.uncommitted)
    writeLine(
      io.stderr,
      `kiln: ${file} is not committed: kiln pr checked the work tree, but CI checks only commits (git add ${file} && git commit)`,
    );

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
