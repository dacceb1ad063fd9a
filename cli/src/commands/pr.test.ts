import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Catalog, HttpClient, lockCatalog, readCatalog, serializeLock } from "@kiln/catalog";
import { LoopbackServer, makeJar, sha512 } from "@kiln/catalog/testing";
import { FakeGitHub } from "@kiln/pipeline/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../testing/run-cli.js";

const policy = new URL("../../../catalog/license-policy.yaml", import.meta.url).pathname;

const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
const jars: Record<string, Buffer> = Object.fromEntries(
  [
    ["pg", "io.x.Pg"],
    ["mysql", "io.x.MySql"],
    ["file", "io.x.File"],
    ["s3", "io.x.S3"],
  ].map(([name, cls]) => [
    name,
    makeJar({ classes: [cls as string], services: { [SOURCE]: [cls as string] } }),
  ]),
);

function entry(name: string, cls: string, version = "1.0.0") {
  return `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: ${name}
title: ${name}
type: source
version: ${version}
license: Apache-2.0
kafka: ">=4.2.0 <5.0.0"
owners: [team]
classes:
  - class: ${cls}
    type: source
artifacts:
  - type: jar
    url: https://plugins.example.com/${name}.jar
    sha512: "${sha512(jars[name] as Buffer)}"
`;
}

/** Writes kiln.lock.json for the repo's catalog, offline: every artifact is already in the cache. */
async function lock(dir: string) {
  const { catalog } = await readCatalog(join(dir, "catalog/connectors"), { cwd: dir });
  if (!catalog) throw new Error("test catalog invalid");
  writeFileSync(
    join(dir, "kiln.lock.json"),
    serializeLock(await lockCatalog(catalog, undefined, undefined, { cacheDir: cache, env: {} })),
  );
}

const cluster = `apiVersion: kiln.dev/v1
kind: Cluster
name: prod
namespace: kafka
kafka: { version: 4.3.1 }
connect:
  - name: cdc
    plugins: [pg, mysql]
  - name: files
    plugins: [file]
`;

/** A git repository built from an inline file map, changesets-style. */
function gitRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kiln-pr-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "t@example.com");
  git("config", "user.name", "t");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  cpSync(policy, join(dir, "catalog/license-policy.yaml"));
  return dir;
}

async function commitBase(dir: string): Promise<string> {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  await lock(dir);
  git("add", "-A");
  git("commit", "-qm", "base");
  git("checkout", "-qb", "feature");
  return dir;
}

let repo: string;
let cache: string;
const gh = new FakeGitHub("acme/catalog");
const srv = new LoopbackServer();

beforeAll(async () => {
  await gh.start();
  // The catalog names https URLs (as it must); the cache is filled from a loopback server, so kiln pr runs offline.
  await srv.start();
  cache = mkdtempSync(join(tmpdir(), "kiln-pr-cache-"));
  for (const [name, jar] of Object.entries(jars)) srv.file(`/${name}.jar`, jar);
  const fill = Object.entries(jars).map(([name, jar]) => ({
    entry: {
      name,
      version: "1.0.0",
      classes: [],
      artifacts: [{ type: "jar", url: `${srv.url}/${name}.jar`, sha512: sha512(jar) }],
    },
    source: { file: `${name}.yaml` },
  }));
  await lockCatalog(new Catalog(fill as never), undefined, undefined, {
    cacheDir: cache,
    env: {},
    http: new HttpClient({ allowInsecureLoopback: true }),
  });
  repo = await commitBase(
    gitRepo({
      "catalog/connectors/pg.yaml": entry("pg", "io.x.Pg"),
      "catalog/connectors/mysql.yaml": entry("mysql", "io.x.MySql"),
      "catalog/connectors/file.yaml": entry("file", "io.x.File"),
      "clusters/prod.yaml": cluster,
    }),
  );
  // The PR: bumps pg, adds s3, and breaks mysql's sha512 on line 16.
  writeFileSync(join(repo, "catalog/connectors/pg.yaml"), entry("pg", "io.x.Pg", "1.1.0"));
  writeFileSync(join(repo, "catalog/connectors/s3.yaml"), entry("s3", "io.x.S3"));
  await lock(repo);
  writeFileSync(
    join(repo, "catalog/connectors/mysql.yaml"),
    entry("mysql", "io.x.MySql").replace(/"[0-9a-f]{128}"/, "nope"),
  );
  execFileSync("git", ["commit", "-qam", "pr", "--allow-empty"], { cwd: repo });
  execFileSync("git", ["add", "-A"], { cwd: repo });
  execFileSync("git", ["commit", "-qm", "add s3"], { cwd: repo });
});

afterAll(async () => {
  await gh.stop();
  await srv.stop();
  rmSync(repo, { recursive: true, force: true });
});

describe("kiln pr", () => {
  test("summarises the PR's catalog changes, their problems and the images they affect", async () => {
    const res = await runCli(["pr", "--base", "main"], { cwd: repo, env: { KILN_CACHE: cache } });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'catalog/connectors/mysql.yaml:16:13: error: `artifacts[0].sha512` must be 128 lower-case hex characters (a SHA-512 digest), not "nope" (artifacts[0].sha512)\n',
    );
    const summary = readFileSync(join(repo, "out/pr-summary.md"), "utf8");
    expect(res.stdout).toBe(summary);
    const row = (name: string) => summary.split("\n").find((l) => l.startsWith(`| \`${name}\``));
    expect(row("mysql")).toBe("| `mysql` | changed (does not load) | ❌ 1 error |  |  |  |  |");
    expect(row("pg")).toMatch(
      /^\| `pg` \| changed \(version\) \| ✅ \| ✅ \| ✅ 1 file, 0\.0 MiB, sha512 verified \| ✅ 1 class found, service_load ready \| ✅ sha256:[0-9a-f]{12} \|$/,
    );
    expect(row("s3")).toMatch(
      /^\| `s3` \| added \| ✅ \| ✅ \| ✅ 1 file, 0\.0 MiB, sha512 verified \| ✅ 1 class found, service_load ready \| ✅ sha256:[0-9a-f]{12} \|$/,
    );
    expect(summary).toContain("| `prod` (clusters/prod.yaml) | `cdc` | `pg`, `mysql` | — |");
    expect(summary).not.toContain("`files`");
  });

  test("with GITHUB_TOKEN: one comment, updated on the next run, and a failing check run with annotations (fake GitHub API)", async () => {
    const event = join(repo, "..", `event-${Date.now()}.json`);
    writeFileSync(event, JSON.stringify({ pull_request: { number: 12, head: { sha: "abc123" } } }));
    const env = {
      GITHUB_TOKEN: "ghs_x",
      GITHUB_REPOSITORY: "acme/catalog",
      GITHUB_EVENT_PATH: event,
      GITHUB_API_URL: gh.url,
    };
    gh.requests = [];
    expect((await runCli(["pr", "--base", "main"], { cwd: repo, env })).code).toBe(1);
    expect((await runCli(["pr", "--base", "main"], { cwd: repo, env })).code).toBe(1);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/catalog/issues/12/comments?per_page=100",
      "POST /repos/acme/catalog/issues/12/comments",
      "POST /repos/acme/catalog/check-runs",
      "GET /repos/acme/catalog/issues/12/comments?per_page=100",
      "PATCH /repos/acme/catalog/issues/comments/900",
      "POST /repos/acme/catalog/check-runs",
    ]);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toBe(readFileSync(join(repo, "out/pr-summary.md"), "utf8"));
    const check = gh.requests[2]?.body as {
      conclusion: string;
      head_sha: string;
      output: { annotations: unknown[] };
    };
    expect(check.conclusion).toBe("failure");
    expect(check.head_sha).toBe("abc123");
    expect(check.output.annotations).toEqual([
      {
        path: "catalog/connectors/mysql.yaml",
        start_line: 16,
        end_line: 16,
        annotation_level: "failure",
        title: "schema-pattern",
        message:
          'artifacts[0].sha512: `artifacts[0].sha512` must be 128 lower-case hex characters (a SHA-512 digest), not "nope"',
      },
    ]);
  });

  test("an entry not yet committed is checked, with a hint to commit it; the summary says conformance did not run", async () => {
    const fresh = await commitBase(gitRepo({ "catalog/connectors/pg.yaml": entry("pg", "io.x.Pg") }));
    writeFileSync(join(fresh, "catalog/connectors/s3.yaml"), entry("s3", "io.x.S3"));
    await lock(fresh);
    const res = await runCli(["pr", "--base", "main"], { cwd: fresh, env: { KILN_CACHE: cache } });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /\*\*1 entry changed\*\* against `[0-9a-f]{12}` · ✅ all checks passed · conformance not run \(`kiln pr --conformance` runs it on real Connect workers\)/,
    );
    expect(res.stdout).toMatch(/^\| `s3` \| added \| ✅ \| ✅ \|/m);
    expect(res.stdout).toContain(
      "⚠️ Not committed (checked from the work tree; CI sees only commits): `catalog/connectors/s3.yaml`, `kiln.lock.json`",
    );
    expect(res.stderr).toBe(
      [
        "kiln: catalog/connectors/s3.yaml is not committed: kiln pr checked the work tree, but CI checks only commits (git add catalog/connectors/s3.yaml && git commit)",
        "kiln: kiln.lock.json is not committed: kiln pr checked the work tree, but CI checks only commits (git add kiln.lock.json && git commit)",
        "",
      ].join("\n"),
    );
  });

  test("no catalog change: exit 0 and says so", async () => {
    const clean = await commitBase(gitRepo({ "catalog/connectors/pg.yaml": entry("pg", "io.x.Pg") }));
    const res = await runCli(["pr", "--base", "main"], { cwd: clean, env: { KILN_CACHE: cache } });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/No catalog entries changed against `[0-9a-f]{12}`\./);
  });
});
