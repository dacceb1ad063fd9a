import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpClient, lockCatalog, readCatalog, serializeLock } from "@kiln/catalog";
import { LoopbackServer, makeJar, sha512 } from "@kiln/catalog/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../testing/run-cli.js";

const repo = new URL("../../../", import.meta.url).pathname;
const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
const jar = makeJar({ classes: ["io.example.PgSource"], services: { [SOURCE]: ["io.example.PgSource"] } });
const srv = new LoopbackServer();
let cwd: string;
let cache: string;

function entry(url: string, cls = "io.example.PgSource") {
  return `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: pg
title: pg connector
type: source
version: 1.0.0
license: Apache-2.0
kafka: ">=4.2.0 <5.0.0"
owners: [data-platform]
classes:
  - class: ${cls}
    type: source
artifacts:
  - type: jar
    url: ${url}
    sha512: "${sha512(jar)}"
`;
}

beforeAll(async () => {
  await srv.start();
  srv.file("/pg-1.0.0.jar", jar);
  cwd = mkdtempSync(join(tmpdir(), "kiln-cli-lock-"));
  cache = join(cwd, "cache");
  mkdirSync(join(cwd, "catalog/connectors"), { recursive: true });
  cpSync(join(repo, "catalog/license-policy.yaml"), join(cwd, "catalog/license-policy.yaml"));
  // The catalog says https (as it must); the cache is filled from the loopback server, so the CLI runs offline.
  writeFileSync(join(cwd, "catalog/connectors/pg.yaml"), entry("https://plugins.example.com/pg-1.0.0.jar"));
  const { catalog } = await readCatalog(join(cwd, "catalog/connectors"), { cwd });
  const loopback = {
    ...(catalog?.get("pg") as object),
    artifacts: [{ type: "jar", url: `${srv.url}/pg-1.0.0.jar`, sha512: sha512(jar) }],
  };
  const { Catalog } = await import("@kiln/catalog");
  const fill = new Catalog([{ entry: loopback as never, source: { file: "pg.yaml" } as never }]);
  await lockCatalog(fill, undefined, undefined, {
    cacheDir: cache,
    env: {},
    http: new HttpClient({ allowInsecureLoopback: true }),
  });
});
afterAll(() => srv.stop());

describe("kiln lock / resolve / inspect", () => {
  test("lock writes the lock from the cache; a second run leaves it unchanged", async () => {
    const first = await runCli(["lock"], { cwd, env: { KILN_CACHE: cache, CI: "true" } });
    expect(first).toMatchObject({ code: 0, stdout: "wrote kiln.lock.json: 1 plugins, 1 files\n" });
    const text = readFileSync(join(cwd, "kiln.lock.json"), "utf8");
    const second = await runCli(["lock"], { cwd, env: { KILN_CACHE: cache, CI: "true" } });
    expect(second.stdout).toBe("unchanged kiln.lock.json: 1 plugins, 1 files\n");
    expect(readFileSync(join(cwd, "kiln.lock.json"), "utf8")).toBe(text);
    expect(JSON.parse(text).plugins.pg.artifacts[0].source).toBe(
      "jar:https://plugins.example.com/pg-1.0.0.jar",
    );
  });

  test("lock --check passes, then fails with a diff when the catalog changes", async () => {
    await runCli(["lock"], { cwd, env: { KILN_CACHE: cache } });
    expect(await runCli(["lock", "--check"], { cwd })).toMatchObject({
      code: 0,
      stdout: "kiln.lock.json pins all 1 catalog entries\n",
    });
    const file = join(cwd, "catalog/connectors/pg.yaml");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace("version: 1.0.0", "version: 1.0.1"));
    try {
      const r = await runCli(["lock", "--check"], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("kiln.lock.json does not match the catalog");
      expect(r.stderr).toContain("pg: version 1.0.1 in the catalog, 1.0.0 in the lock");
      expect(r.stderr).toContain('-      "version": "1.0.0"');
      expect(r.stderr).toContain('+      "version": "1.0.1"');
    } finally {
      writeFileSync(file, original);
    }
  });

  test("lock --check fails when there is no lock", async () => {
    const r = await runCli(["lock", "--check", "--lockfile", "missing.lock.json"], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing.lock.json does not exist");
  });

  test("resolve prints the plugin directory from the cache, with no network", async () => {
    await runCli(["lock"], { cwd, env: { KILN_CACHE: cache } });
    const before = srv.count();
    const r = await runCli(["resolve", "--json"], { cwd, env: { KILN_CACHE: cache } });
    expect(r.code).toBe(0);
    const [p] = JSON.parse(r.stdout);
    expect(p.dir.startsWith(join(cache, "plugins"))).toBe(true);
    expect(p.files.map((f: { path: string }) => f.path)).toStrictEqual(["pg-1.0.0.jar"]);
    expect(srv.count()).toBe(before);
  });

  test("inspect reports service_load readiness, and exits 1 for a declared class that is absent", async () => {
    await runCli(["lock"], { cwd, env: { KILN_CACHE: cache } });
    const ok = await runCli(["inspect", "pg"], { cwd, env: { KILN_CACHE: cache } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("service_load:  ready");
    const file = join(cwd, "catalog/connectors/pg.yaml");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, entry("https://plugins.example.com/pg-1.0.0.jar", "io.example.Missing"));
    try {
      const bad = await runCli(["inspect", "pg", "--json"], { cwd, env: { KILN_CACHE: cache } });
      expect(bad.code).toBe(1);
      const errors: string[] = JSON.parse(bad.stdout).plugins[0].errors;
      expect(errors[0]).toBe("declared source class io.example.Missing is not in any jar of the plugin");
      // The class the jar does provide is now undeclared: an entry lists exactly what its plugin provides.
      expect(errors[1]).toMatch(
        /^the plugin provides 1 class the entry does not declare .*: io\.example\.\w+ \(source\)/,
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  test("the committed repository lock matches the committed catalog", async () => {
    const r = await runCli(["lock", "--check"], { cwd: repo });
    expect(r).toMatchObject({ code: 0 });
    expect(serializeLock(JSON.parse(readFileSync(join(repo, "kiln.lock.json"), "utf8")))).toBe(
      readFileSync(join(repo, "kiln.lock.json"), "utf8"),
    );
  });
});
