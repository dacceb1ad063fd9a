import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { EXIT_USAGE } from "./exit.js";
import { runCli } from "./testing/run-cli.js";

const repoCatalog = new URL("../../catalog/", import.meta.url).pathname;

function plugin(name: string, type: string, cls: string) {
  return `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: ${name}
title: ${name} connector
type: ${type}
version: 2.0.1.Final
license: Apache-2.0
kafka: ">=4.2.0 <5.0.0"
owners: [data-platform]
classes:
  - class: ${cls}
    type: ${type}
artifacts:
  - type: maven
    group: io.example
    artifact: ${name}
    version: 2.0.1.Final
    sha512: "${"ab".repeat(64)}"
`;
}

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "kiln-cli-"));
  mkdirSync(join(cwd, "catalog/connectors"), { recursive: true });
  cpSync(join(repoCatalog, "license-policy.yaml"), join(cwd, "catalog/license-policy.yaml"));
  writeFileSync(join(cwd, "catalog/connectors/pg.yaml"), plugin("pg", "source", "io.example.PgSource"));
  writeFileSync(join(cwd, "catalog/connectors/s3.yaml"), plugin("s3", "sink", "io.example.S3Sink"));
});

describe("kiln validate", () => {
  test("the catalog by default: exit 0", async () => {
    expect(await runCli(["validate"], { cwd })).toEqual({ code: 0, stdout: "2 files valid\n", stderr: "" });
  });

  test("named files: located errors on stderr, exit 1", async () => {
    writeFileSync(
      join(cwd, "bad.yaml"),
      plugin("bad", "source", "io.example.PgSource").replace("type: source\nversion", "type: sorce\nversion"),
    );
    const res = await runCli(["validate", "bad.yaml", "catalog/connectors/pg.yaml"], { cwd });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      [
        'bad.yaml:5:7: error: `type` must be one of "source", "sink", "both", "other", not "sorce" (type)',
        "",
      ].join("\n"),
    );
    expect(res.stdout).toBe("1 error in 2 files\n");
  });

  test("named entries are checked together: a class provided twice", async () => {
    writeFileSync(join(cwd, "dup.yaml"), plugin("dup", "source", "io.example.PgSource"));
    const res = await runCli(["validate", "dup.yaml", "catalog/connectors/pg.yaml"], { cwd });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'catalog/connectors/pg.yaml:11:12: error: class io.example.PgSource is also provided by "dup" (dup.yaml) (classes[0].class)\n',
    );
  });

  test("--json", async () => {
    const res = await runCli(["validate", "--json", "bad.yaml"], { cwd });
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout);
    expect(out.valid).toBe(false);
    expect(out.files).toBe(1);
    expect(out.diagnostics[0]).toEqual({
      severity: "error",
      code: "schema-enum",
      message: '`type` must be one of "source", "sink", "both", "other", not "sorce"',
      location: { file: "bad.yaml", line: 5, column: 7, path: "type" },
    });
  });

  test("a missing file is an error, not a crash", async () => {
    const res = await runCli(["validate", "nope.yaml"], { cwd });
    expect(res).toEqual({ code: 1, stdout: "", stderr: "kiln: nope.yaml: no such file or directory\n" });
  });

  test("usage errors exit 64, not 2 (which means changes pending)", async () => {
    const res = await runCli(["validate", "--bogus"], { cwd });
    expect(res.code).toBe(64);
    expect(res.stderr).toContain("unknown option '--bogus'");
  });
});

describe("kiln catalog", () => {
  test("list: a borderless table", async () => {
    const res = await runCli(["catalog", "list"], { cwd });
    expect(res.stdout).toBe(
      [
        "NAME  TYPE    VERSION      KAFKA           LICENSE     TITLE",
        "pg    source  2.0.1.Final  >=4.2.0 <5.0.0  Apache-2.0  pg connector",
        "s3    sink    2.0.1.Final  >=4.2.0 <5.0.0  Apache-2.0  s3 connector",
        "",
      ].join("\n"),
    );
  });

  test("list --type sink --kafka 4.3 --json", async () => {
    const res = await runCli(["catalog", "list", "--type", "sink", "--kafka", "4.3", "--json"], { cwd });
    expect(JSON.parse(res.stdout).map((e: { name: string }) => e.name)).toEqual(["s3"]);
    expect((await runCli(["catalog", "list", "--kafka", "4.1", "--json"], { cwd })).stdout).toBe("[]\n");
  });

  test("list --type with an unknown choice is a usage error", async () => {
    expect((await runCli(["catalog", "list", "--type", "bogus"], { cwd })).code).toBe(EXIT_USAGE);
  });

  test("add --kafka that is no semver range is a usage error naming the flag, before any download", async () => {
    const res = await runCli(["catalog", "add", "io.example:pg:2.0.1", "--kafka", ">=4.2 <<4.4"], { cwd });
    expect(res).toEqual({
      code: EXIT_USAGE,
      stdout: "",
      stderr:
        'kiln: --kafka >=4.2 <<4.4: must be a semver range of Kafka versions such as ">=4.2.0 <4.4.0"\n',
    });
  });

  test("show: details, and a clear error for an unknown name", async () => {
    const res = await runCli(["catalog", "show", "pg"], { cwd });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("Name:         pg\n");
    expect(res.stdout).toContain("  source          io.example.PgSource\n");
    expect(res.stdout).toContain("  maven io.example:pg:2.0.1.Final\n");
    expect(await runCli(["catalog", "show", "nope"], { cwd })).toEqual({
      code: 1,
      stdout: "",
      stderr: 'kiln: no catalog entry named "nope" (kiln catalog list shows them)\n',
    });
  });

  test("an invalid catalog refuses to list, and says why", async () => {
    const broken = mkdtempSync(join(tmpdir(), "kiln-cli-broken-"));
    mkdirSync(join(broken, "catalog/connectors"), { recursive: true });
    cpSync(join(repoCatalog, "license-policy.yaml"), join(broken, "catalog/license-policy.yaml"));
    writeFileSync(join(broken, "catalog/connectors/x.yaml"), "kind: ConnectorPlugin\n");
    const res = await runCli(["catalog", "list"], { cwd: broken });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "kiln: the catalog is invalid (1 error; run kiln validate):\n" +
        "catalog/connectors/x.yaml:1:1: error: the document is missing the required fields `apiVersion`, `name`, `title`, `type`, `version`, `license`, `kafka`, `owners`, `classes`, `artifacts` ((root))\n",
    );
  });
});

test("--help lists the verbs", async () => {
  const res = await runCli(["--help"]);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/validate \[options\] \[paths\.\.\.\]/);
  expect(res.stdout).toMatch(/catalog/);
});

test("--version prints kiln's version and what it targets", async () => {
  const root = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const res = await runCli(["--version"]);
  expect(res).toEqual({
    code: 0,
    stdout: `kiln ${root.version}\ntargets Strimzi 1.2.0 (kafka.strimzi.io/v1), Kafka 4.2 and 4.3 (default 4.3.1)\n`,
    stderr: "",
  });
});
