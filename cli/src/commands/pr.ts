import { checkPullRequest, postPrReport } from "@kiln/pipeline/pr";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  base?: string;
  catalog: string;
  lockfile?: string;
  conformance?: boolean;
  kafka?: string;
  summary: string;
  insecureRegistry?: string[];
  registryCa?: string;
  json?: boolean;
}

/**
 * What a PR changes in the catalog, checked: validation of every changed
 * entry, the images it affects, a markdown summary; with GITHUB_TOKEN, the
 * summary as a PR comment (updated in place) and a check run with annotations.
 */
export async function run(io: CommandIO, opts: Options): Promise<number> {
  const { json: _json, kafka, ...rest } = opts;
  const outcome = await checkPullRequest(
    { ...rest, ...(kafka ? { kafka: kafka.split(",").map((v) => v.trim()) } : {}) },
    { cwd: io.cwd ?? process.cwd(), env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    (line) => writeLine(io.stderr, line),
  );
  const { report, markdown, failed } = outcome;
  if (opts.json) writeLine(io.stdout, JSON.stringify({ failed, ...report }, null, 2));
  else {
    for (const d of report.diagnostics) writeLine(io.stderr, formatDiagnostic(d));
    io.stdout.write(markdown);
  }
  for (const file of report.uncommitted ?? [])
    writeLine(
      io.stderr,
      `kiln: ${file} is not committed: kiln pr checked the work tree, but CI checks only commits (git add ${file} && git commit)`,
    );
  const url = await postPrReport(outcome, io.env);
  if (url) writeLine(io.stderr, `kiln: PR summary posted: ${url}`);
  return failed ? EXIT_FAILURE : EXIT_OK;
}
