import { readTextFile } from "@kiln/catalog";
import type { Diagnostic } from "@kiln/schemas";
import { KilnError } from "@kiln/schemas";
import { Octokit } from "@octokit/rest";
import { COMMENT_MARKER } from "./summary.js";

export interface GitHubContext {
  token: string;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  /** REST API root: https://api.github.com, or GitHub Enterprise's https://<host>/api/v3. */
  baseUrl: string;
}

/**
 * The PR context as GitHub Actions provides it: GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL, and the event payload at GITHUB_EVENT_PATH. Undefined when
 * there is no token (a local run): reporting to GitHub is then skipped.
 */
export async function githubContextFromEnv(env: NodeJS.ProcessEnv): Promise<GitHubContext | undefined> {
  const token = env.GITHUB_TOKEN;
  if (!token) return undefined;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !repo) throw new KilnError("GITHUB_TOKEN is set but GITHUB_REPOSITORY is not owner/repo");
  if (!env.GITHUB_EVENT_PATH)
    throw new KilnError("GITHUB_TOKEN is set but GITHUB_EVENT_PATH (the event payload) is not");
  const text = await readTextFile(env.GITHUB_EVENT_PATH, { maxBytes: 16 << 20 });
  let event: { pull_request?: { number?: number; head?: { sha?: string } } };
  try {
    event = JSON.parse(text) ?? {};
  } catch (err) {
    throw new KilnError(`the GitHub event payload is not JSON (${(err as Error).message})`, {
      location: { file: env.GITHUB_EVENT_PATH },
    });
  }
  const pullNumber = event.pull_request?.number;
  const headSha = event.pull_request?.head?.sha ?? env.GITHUB_SHA;
  if (!pullNumber || !headSha)
    throw new KilnError("the GitHub event is not a pull request (no pull_request.number / head.sha)");
  return { token, owner, repo, pullNumber, headSha, baseUrl: env.GITHUB_API_URL ?? "https://api.github.com" };
}

// GitHub accepts at most 50 annotations per check-run request.
const ANNOTATIONS_PER_REQUEST = 50;

/** Posts kiln's PR results: one summary comment (updated in place) and a check run with annotations. */
export class GitHubReporter {
  readonly #ctx: GitHubContext;
  readonly #octokit: Octokit;

  constructor(ctx: GitHubContext, octokit?: Octokit) {
    this.#ctx = ctx;
    this.#octokit = octokit ?? new Octokit({ auth: ctx.token, baseUrl: ctx.baseUrl, userAgent: "kiln" });
  }

  /** Updates kiln's earlier comment on the PR, or creates one. Returns the comment's URL. */
  async upsertComment(body: string): Promise<string> {
    const { owner, repo, pullNumber } = this.#ctx;
    const comments = await this.#octokit.paginate(this.#octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pullNumber,
      per_page: 100,
    });
    const mine = comments.find((c) => c.body?.includes(COMMENT_MARKER));
    if (mine) {
      const res = await this.#octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
      return res.data.html_url;
    }
    const res = await this.#octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: pullNumber,
      body,
    });
    return res.data.html_url;
  }

  /** A completed check run on the PR's head commit, with one annotation per located finding. */
  async createCheckRun(opts: {
    failed: boolean;
    title: string;
    summary: string;
    diagnostics: Diagnostic[];
  }): Promise<number> {
    const { owner, repo, headSha } = this.#ctx;
    const annotations = opts.diagnostics
      .filter((d) => d.location.file && d.location.line)
      .map((d) => ({
        path: d.location.file as string,
        start_line: d.location.line as number,
        end_line: d.location.line as number,
        annotation_level: d.severity === "error" ? ("failure" as const) : ("warning" as const),
        title: d.code,
        message: d.location.path ? `${d.location.path}: ${d.message}` : d.message,
      }));
    const batches: Array<typeof annotations> = [];
    for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST)
      batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
    const output = (batch: typeof annotations = []) => ({
      title: opts.title,
      summary: opts.summary,
      annotations: batch,
    });
    const created = await this.#octokit.rest.checks.create({
      owner,
      repo,
      name: "kiln",
      head_sha: headSha,
      status: "completed",
      conclusion: opts.failed ? "failure" : "success",
      output: output(batches[0]),
    });
    for (const batch of batches.slice(1)) {
      await this.#octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: created.data.id,
        output: output(batch),
      });
    }
    return created.data.id;
  }
}
