import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { FakeGitHub } from "../testing/fake-github.js";
import { GitHubReporter } from "./github.js";
import { COMMENT_MARKER } from "./summary.js";

const gh = new FakeGitHub();
let reporter: GitHubReporter;

beforeAll(async () => {
  await gh.start();
  reporter = new GitHubReporter({
    token: "ghs_test",
    owner: "acme",
    repo: "catalog",
    pullNumber: 7,
    headSha: "f00d",
    baseUrl: gh.url,
  });
});
afterAll(() => gh.stop());
beforeEach(() => {
  gh.requests = [];
});

describe("GitHubReporter (fake GitHub API)", () => {
  test("creates the summary comment once, then updates it in place", async () => {
    gh.comments = [{ id: 1, body: "LGTM", html_url: "u1" }];
    const url = await reporter.upsertComment(`${COMMENT_MARKER}\nfirst`);
    expect(url).toBe("https://github.example/acme/catalog/pull/7#c900");
    await reporter.upsertComment(`${COMMENT_MARKER}\nsecond`);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/catalog/issues/7/comments?per_page=100",
      "POST /repos/acme/catalog/issues/7/comments",
      "GET /repos/acme/catalog/issues/7/comments?per_page=100",
      "PATCH /repos/acme/catalog/issues/comments/900",
    ]);
    expect(gh.requests.every((r) => r.auth === "token ghs_test")).toBe(true);
    expect(gh.comments.map((c) => c.body)).toEqual(["LGTM", `${COMMENT_MARKER}\nsecond`]);
  });

  test("a check run with annotations on the offending lines, in batches of 50", async () => {
    const diagnostics = Array.from({ length: 51 }, (_, i) => ({
      severity: "error" as const,
      code: "schema-pattern",
      message: `problem ${i}`,
      location: { file: "catalog/connectors/x.yaml", line: i + 1, column: 3, path: "artifacts[0].sha512" },
    }));
    const id = await reporter.createCheckRun({
      failed: true,
      title: "1 entry, 51 problems",
      summary: "body",
      diagnostics,
    });
    expect(id).toBe(4242);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /repos/acme/catalog/check-runs",
      "PATCH /repos/acme/catalog/check-runs/4242",
    ]);
    type CheckBody = { name: string; output: { annotations: Array<{ start_line: number }> } };
    const [create, update] = gh.requests.map((r) => r.body as CheckBody);
    expect(create).toMatchObject({
      name: "kiln",
      head_sha: "f00d",
      status: "completed",
      conclusion: "failure",
    });
    expect(create?.output.annotations).toHaveLength(50);
    expect(create?.output.annotations[0]).toEqual({
      path: "catalog/connectors/x.yaml",
      start_line: 1,
      end_line: 1,
      annotation_level: "failure",
      title: "schema-pattern",
      message: "artifacts[0].sha512: problem 0",
    });
    expect(update?.output.annotations.map((a) => a.start_line)).toEqual([51]);
  });
});
