import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LOCKFILE_NAME, type Lockfile, type ResolvedPlugin } from "@kiln/catalog";
import { matrixMarkdown } from "@kiln/conformance";
import { CONFORMANCE_KAFKA_VERSIONS } from "@kiln/schemas";
import type { RunContext } from "../context.js";
import { readLockfile } from "../lockfile.js";
import { type RegistryOptions, registryClient } from "../registry.js";
import { affectedImages } from "./changes.js";
import { checkEntry, conformanceOf, predictImage } from "./checks.js";
import { collectChanges, type PrChanges } from "./collect.js";
import { mergeBase, trackedClusterFiles } from "./git.js";
import { GitHubReporter, githubContextFromEnv } from "./github.js";
import { type PrCheck, type PrEntryReport, type PrReport, renderSummary, reportFailed } from "./summary.js";

export interface PrRequest extends RegistryOptions {
  /** Base ref of the PR (default: origin/$GITHUB_BASE_REF, else origin/main). */
  base?: string;
  catalog: string;
  lockfile?: string;
  /** Also run conformance for the changed entries on real Connect workers, on these Kafka versions. */
  conformance?: boolean;
  kafka?: string[];
  /** Where the markdown summary is written. */
  summary: string;
}

export interface PrOutcome {
  report: PrReport;
  markdown: string;
  failed: boolean;
}

/** validate, lock, resolve, inspect and predict the plugin image of each changed entry. */
async function checkEntries(collected: PrChanges, lock: Lockfile | undefined, ctx: RunContext) {
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
      const more = await checkEntry(collected.catalog, lock, change.name, ctx.env, ctx.signal);
      checks.push(...more.checks);
      if (more.resolved) resolved.push(more.resolved);
    }
    entries.push({ change, checks });
  }
  return { entries, resolved };
}

/** conformance of the changed entries: a check per entry, and the matrix as a section of the summary. */
async function conformanceChecks(
  collected: PrChanges,
  entries: PrEntryReport[],
  resolved: ResolvedPlugin[],
  kafka: string[],
  onProgress: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<string> {
  const matrix = await conformanceOf(collected.catalog, resolved, kafka, onProgress, signal);
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
  return `### Conformance\n\n${matrixMarkdown(matrix)}`;
}

/**
 * What a PR changes in the catalog, checked: validation of every changed entry, the images it
 * affects (their digests predicted), and a markdown summary written to `summary`.
 */
export async function checkPullRequest(
  req: PrRequest,
  ctx: RunContext,
  onProgress: (line: string) => void = () => {},
): Promise<PrOutcome> {
  const repo = ctx.cwd;
  const baseRef = req.base ?? (ctx.env.GITHUB_BASE_REF ? `origin/${ctx.env.GITHUB_BASE_REF}` : "origin/main");
  const base = await mergeBase(repo, baseRef);
  const collected = await collectChanges(
    repo,
    base,
    req.catalog,
    await trackedClusterFiles(repo),
    req.lockfile ?? LOCKFILE_NAME,
  );
  const lock = (await readLockfile(req.lockfile, repo))?.lock;
  const { entries, resolved } = await checkEntries(collected, lock, ctx);
  const sections: string[] = [];
  const conformance: PrReport["conformance"] = !req.conformance
    ? "not requested"
    : resolved.length > 0
      ? "ran"
      : "nothing to run";
  if (conformance === "ran")
    sections.push(
      await conformanceChecks(
        collected,
        entries,
        resolved,
        req.kafka ?? [...CONFORMANCE_KAFKA_VERSIONS],
        onProgress,
        ctx.signal,
      ),
    );
  const client = await registryClient(req, ctx);
  let images: PrReport["images"];
  try {
    images = await Promise.all(
      affectedImages(collected.changes, collected.clusters).map(async (img) => {
        if (!lock || !img.base || img.plugins.some((p) => !collected.catalog.get(p))) return img;
        const predicted = await predictImage(
          client,
          collected.catalog,
          lock,
          { base: img.base, plugins: img.allPlugins },
          ctx.env,
          ctx.signal,
        );
        return { ...img, ...predicted };
      }),
    );
  } finally {
    await client.close();
  }
  const report: PrReport = {
    base,
    entries,
    diagnostics: collected.diagnostics,
    images,
    sections,
    conformance,
    uncommitted: collected.uncommitted,
  };
  const markdown = renderSummary(report);
  const summaryPath = resolve(repo, req.summary);
  await mkdir(dirname(summaryPath), { recursive: true });
  await writeFile(summaryPath, markdown);
  return { report, markdown, failed: reportFailed(report) };
}

/**
 * The summary as the PR's comment (updated in place) and a check run with annotations, when the
 * environment is a GitHub pull request with GITHUB_TOKEN; returns the comment's URL.
 */
export async function postPrReport(
  { report, markdown, failed }: PrOutcome,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const gh = await githubContextFromEnv(env);
  if (!gh) return undefined;
  const reporter = new GitHubReporter(gh);
  const url = await reporter.upsertComment(markdown);
  const n = report.entries.length;
  await reporter.createCheckRun({
    failed,
    title: `${n} catalog entr${n === 1 ? "y" : "ies"} changed${failed ? ": problems found" : ""}`,
    summary: markdown,
    diagnostics: report.diagnostics,
  });
  return url;
}
