import { KilnError } from "@kiln/schemas";
import { Octokit } from "@octokit/rest";

export interface RepoContext {
  token: string;
  owner: string;
  repo: string;
  /** REST API root: https://api.github.com, or GitHub Enterprise's https://<host>/api/v3. */
  baseUrl: string;
}

/** The repository as GitHub Actions names it (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL). */
export function repoContextFromEnv(env: NodeJS.ProcessEnv): RepoContext {
  const token = env.GITHUB_TOKEN;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!token || !owner || !repo)
    throw new KilnError("opening pull requests needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/repo)");
  return { token, owner, repo, baseUrl: env.GITHUB_API_URL ?? "https://api.github.com" };
}

export interface UpsertedPull {
  number: number;
  url: string;
  created: boolean;
}

/**
 * Opens a pull request from `branch` into `base`, or, when one from that branch is already
 * open, updates its title and body in place (Renovate's model: one branch and one PR per
 * update, refreshed when a newer release supersedes it).
 */
export async function upsertPull(
  ctx: RepoContext,
  pr: { branch: string; base: string; title: string; body: string },
  octokit: Octokit = new Octokit({ auth: ctx.token, baseUrl: ctx.baseUrl, userAgent: "kiln" }),
): Promise<UpsertedPull> {
  const { owner, repo } = ctx;
  const open = await octokit.rest.pulls.list({
    owner,
    repo,
    state: "open",
    head: `${owner}:${pr.branch}`,
    per_page: 10,
  });
  const existing = open.data[0];
  if (existing) {
    const res = await octokit.rest.pulls.update({
      owner,
      repo,
      pull_number: existing.number,
      title: pr.title,
      body: pr.body,
    });
    return { number: res.data.number, url: res.data.html_url, created: false };
  }
  const res = await octokit.rest.pulls.create({
    owner,
    repo,
    head: pr.branch,
    base: pr.base,
    title: pr.title,
    body: pr.body,
  });
  return { number: res.data.number, url: res.data.html_url, created: true };
}
