import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FakeGitHub } from "@kiln/pipeline/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runKiln } from "../harness/cli.js";
import { requireMavenCentral, TEST_KILN_CACHE } from "../resolve/network.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const gh = new FakeGitHub("acme/platform");
let work: string;
let repo: string;
let origin: string;
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
const env = () => ({
  KILN_CACHE: TEST_KILN_CACHE,
  GITHUB_TOKEN: "ghs_update",
  GITHUB_REPOSITORY: "acme/platform",
  GITHUB_API_URL: gh.url,
});

// A platform repository whose catalog is this repository's, with Debezium PostgreSQL moved back
// one release (3.6.2.Final) by `kiln catalog bump`; a bare repository on disk is its origin.
beforeAll(async () => {
  await requireMavenCentral();
  await gh.start();
  work = mkdtempSync(join(tmpdir(), "kiln-update-prs-"));
  origin = join(work, "origin.git");
  repo = join(work, "platform");
  git(work, "init", "-q", "--bare", "-b", "main", origin);
  git(work, "clone", "-q", origin, repo);
  cpSync(join(ROOT, "catalog"), join(repo, "catalog"), {
    recursive: true,
    filter: (p) => !p.includes("fixtures"),
  });
  cpSync(join(ROOT, "kiln.lock.json"), join(repo, "kiln.lock.json"));
  const back = await runKiln(["catalog", "bump", "debezium-postgres", "3.6.2.Final"], {
    cwd: repo,
    env: env(),
  });
  expect(back.code, back.stderr + back.stdout).toBe(0);
  git(repo, "add", "-A");
  git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "platform");
  git(repo, "push", "-q", "origin", "main");
}, 600_000);

afterAll(async () => {
  await gh.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("kiln catalog update-prs (real Maven Central, fake GitHub API)", () => {
  test("outdated finds the newer release on the real catalog; exit 2", async () => {
    const res = await runKiln(["catalog", "outdated", "debezium-postgres", "--json"], {
      cwd: repo,
      env: env(),
    });
    expect(res.code).toBe(2);
    const report = JSON.parse(res.stdout);
    // 3.6.3.Final is the newest release this Maven Central serves with its checksum; newer ones are listed only.
    expect(report.updates).toEqual([
      expect.objectContaining({ name: "debezium-postgres", current: "3.6.2.Final", latest: "3.6.3.Final" }),
    ]);
  });

  test("one branch with the bump, one PR; a second run, with conformance, updates the same PR in place with the matrix; the checkout is untouched", async () => {
    const first = await runKiln(["catalog", "update-prs", "debezium-postgres"], { cwd: repo, env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      "debezium-postgres → 3.6.3.Final: https://github.example/acme/platform/pull/1\n",
    );
    expect(gh.pulls).toHaveLength(1);
    const pull = gh.pulls[0];
    expect(pull).toMatchObject({
      head: "kiln/update/debezium-postgres",
      base: "main",
      title: "catalog: bump debezium-postgres from 3.6.2.Final to 3.6.3.Final",
    });
    expect(pull?.body).toContain("<!-- kiln-update:debezium-postgres -->");
    expect(pull?.body).toContain("- version: 3.6.2.Final → 3.6.3.Final");
    expect(pull?.body).toContain("Not run here (`kiln catalog update-prs --conformance` runs it)");

    // The pushed branch holds exactly the committed entry and lock, at the new release.
    const entry = git(
      origin,
      "show",
      "kiln/update/debezium-postgres:catalog/connectors/debezium-postgres.yaml",
    );
    expect(entry).toBe(
      readFileSync(join(ROOT, "catalog/connectors/debezium-postgres.yaml"), "utf8").trimEnd(),
    );
    const lock = JSON.parse(git(origin, "show", "kiln/update/debezium-postgres:kiln.lock.json"));
    expect(lock.plugins["debezium-postgres"]).toEqual(
      JSON.parse(readFileSync(join(ROOT, "kiln.lock.json"), "utf8")).plugins["debezium-postgres"],
    );
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect(git(repo, "worktree", "list").split("\n")).toHaveLength(1);

    // As the scheduled workflow runs it (one Kafka line keeps the suite lean): the bump proved on
    // a real Connect worker, the matrix in the same PR's body.
    gh.requests = [];
    const again = await runKiln(
      ["catalog", "update-prs", "debezium-postgres", "--conformance", "--kafka", "4.3.1"],
      { cwd: repo, env: env() },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "GET /repos/acme/platform/pulls",
      "PATCH /repos/acme/platform/pulls/1",
    ]);
    const body = gh.pulls[0]?.body ?? "";
    expect(body).toContain("| entry | version | kafka | 4.3.1 | service_load |");
    // Without its database the connector validates up to the host it cannot reach: expected-fail.
    expect(body).toContain(
      "| `debezium-postgres` | 3.6.3.Final | `>=4.2.0 <4.4.0` | ⚠️ expected-fail (database.hostname (external system absent)) | ✅ |",
    );
    expect(body).not.toContain("Not run here");
  }, 600_000);

  test("without a token it says what it needs", async () => {
    const res = await runKiln(["catalog", "update-prs"], { cwd: repo, env: { KILN_CACHE: TEST_KILN_CACHE } });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "kiln: opening pull requests needs GITHUB_TOKEN and GITHUB_REPOSITORY (owner/repo)\n",
    );
  });
});
