import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLock, readCatalog, resolvePlugins } from "@kiln/catalog";
import {
  type ConformancePlugin,
  conformancePlugin,
  type LocalRuntime,
  localRuntime,
  type Matrix,
  runConformance,
} from "@kiln/conformance";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Postgres, startPostgres } from "../harness/postgres.js";

const repo = new URL("../../../", import.meta.url).pathname;
// One release of each Kafka line kiln supports (as `kiln conformance` defaults to).
const KAFKA = ["4.2.0", "4.3.1"];

let work: string;
let pg: Postgres;
let runtime: LocalRuntime;
let matrix: Matrix;
let started: number;

beforeAll(async () => {
  started = Date.now();
  work = await mkdtemp(join(tmpdir(), "kiln-conformance-catalog-"));
  pg = await startPostgres({ name: "conformance" });
  await pg.sql("postgres", "CREATE DATABASE inventory");
  await pg.sql("postgres", "CREATE DATABASE warehouse");
  await pg.sql(
    "inventory",
    "CREATE TABLE public.orders (id int PRIMARY KEY); CREATE TABLE public.customers (id int PRIMARY KEY);",
  );

  const { catalog } = await readCatalog(join(repo, "catalog/connectors"));
  if (!catalog) throw new Error("the committed catalog does not validate");
  const lock = parseLock(await readFile(join(repo, "kiln.lock.json"), "utf8"), "kiln.lock.json");
  const resolved = await resolvePlugins(catalog, lock, undefined, {});
  const plugins: ConformancePlugin[] = [];
  for (const r of resolved) {
    const entry = catalog.get(r.name);
    if (entry) plugins.push(await conformancePlugin(entry, r.dir, r.files));
  }
  runtime = localRuntime(join(work, "runtime"));
  matrix = await runConformance({
    plugins,
    kafkaVersions: KAFKA,
    runtime,
    workDir: join(work, "paths"),
    // With the databases present, these two examples must validate with no error at all.
    systems: {
      "debezium-postgres": {
        "database.hostname": pg.host,
        "database.port": String(pg.port),
        "database.user": pg.superuser,
      },
      "debezium-jdbc": { "connection.url": pg.jdbcUrl("warehouse"), "connection.username": pg.superuser },
    },
  });
}, 1_500_000);

afterAll(async () => {
  await runtime?.close();
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the whole catalog on real Kafka Connect, two Kafka versions", () => {
  test("no entry claims a version that fails or is untested", () => {
    console.log(
      `conformance of ${matrix.rows.length} entries on ${KAFKA.join(", ")}: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(matrix.errors).toEqual([]);
  });

  test("every entry was checked on every Kafka version it claims", () => {
    for (const row of matrix.rows) {
      expect(Object.keys(row.cells).sort(), row.entry).toEqual(
        KAFKA.filter((v) => semver.satisfies(v, row.kafka)),
      );
    }
  });

  test("with PostgreSQL present, the Debezium source and the JDBC sink validate fully", () => {
    for (const v of KAFKA) {
      expect(matrix.rows.find((r) => r.entry === "debezium-postgres")?.cells[v]).toEqual({
        status: "pass",
        reasons: [],
      });
      expect(matrix.rows.find((r) => r.entry === "debezium-jdbc")?.cells[v]).toEqual({
        status: "pass",
        reasons: [],
      });
    }
  });

  test("KIP-898 discovery is known for every entry and agrees with static inspection", () => {
    for (const row of matrix.rows) expect(row.serviceLoad, row.entry).toBeTypeOf("boolean");
  });
});
