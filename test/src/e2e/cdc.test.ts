import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseReference, pullPlugins, RegistryClient } from "@kiln/builder";
import { parseLock, readCatalog, resolvePlugins } from "@kiln/catalog";
import {
  applyPlan,
  ConnectClient,
  loadDeploymentFiles,
  pendingChanges,
  planDeployment,
} from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBase } from "../builder/fixtures.js";
import { required } from "../harness/inject.js";
import { type ConnectWorker, startConnectWorker } from "../harness/kafka/index.js";
import { type Postgres, startPostgres } from "../harness/postgres.js";
import { TEST_KILN_CACHE } from "../resolve/network.js";
import { CATALOG_DIR, e2eDir, eventually, kiln, LOCKFILE, yamlOf } from "./support.js";

/*
 * CDC end to end, every component real: PostgreSQL (Debian, wal_level=logical) → Debezium
 * PostgreSQL source → Kafka 4.x (KRaft, service `kafka`) → Debezium JDBC sink → a second
 * database on the same server. The two plugins are resolved by kiln from Maven Central with
 * the committed kiln.lock.json, baked daemonless by `kiln bake` and pushed to the real registry
 * (service `registry`); the Connect worker runs on the plugin tree kiln's registry client pulls
 * back from that image BY DIGEST; the connectors are deployed by `kiln connectors apply`.
 */

const PLUGINS = ["debezium-jdbc", "debezium-postgres"];
const JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";
const converters = {
  "key.converter": JSON_CONVERTER,
  "key.converter.schemas.enable": "true",
  "value.converter": JSON_CONVERTER,
  "value.converter.schemas.enable": "true",
};

describe("CDC: PostgreSQL → Debezium → Kafka → Debezium JDBC sink → PostgreSQL", () => {
  const registry = required("registryPlain");
  const client = new RegistryClient({ insecure: [registry] });
  let pg: Postgres;
  let worker: ConnectWorker;
  let work: string;
  let ws: string;
  let digest: string;
  const suffix = randomBytes(3).toString("hex");

  const sink = (sql: string) => pg.sql("warehouse", sql);
  const replica = async () =>
    sink("select id, customer, status, amount_cents from orders_replica order by id").catch(
      () => "<no table>",
    );
  const diagnose = async () =>
    [
      `--- sink table\n${await replica()}`,
      `--- connectors\n${await statusText()}`,
      `--- worker log\n${await worker?.logs(60)}`,
    ].join("\n");
  const statusText = async () => {
    const c = new ConnectClient({ urls: [worker.url] });
    try {
      const names = await c.listNames();
      const out = await Promise.all(names.map(async (n) => JSON.stringify(await c.status(n))));
      return out.join("\n");
    } finally {
      await c.close();
    }
  };

  beforeAll(async () => {
    work = await e2eDir("cdc");
    pg = await startPostgres({ name: "postgres-cdc" });
    // Source: a replication-capable role that owns nothing; the publication made by the superuser.
    await pg.sql("postgres", "create database shop");
    await pg.sql("postgres", "create role kiln_cdc with login replication");
    await pg.sql(
      "shop",
      [
        "create table orders (id integer primary key, customer text not null, status text not null, amount_cents integer not null)",
        "grant select on orders to kiln_cdc",
        "create publication kiln_cdc for table orders",
        "insert into orders values (1, 'ada', 'new', 1200), (2, 'grace', 'new', 3400)",
      ].join(";\n"),
    );
    // Sink: its own role owning its own database (the JDBC sink creates the table).
    await pg.sql("postgres", "create role kiln_sink with login");
    await pg.sql("postgres", "create database warehouse owner kiln_sink");

    // A small base image in the registry; the plugins are baked onto it by kiln.
    const base = `${registry}/e2e-cdc/kafka:base`;
    await pushBase(client, base);
    const target = `${registry}/e2e-cdc/connect:${suffix}`;
    const baked = await kiln(work, [
      "bake",
      "--base",
      base,
      "--plugin",
      ...PLUGINS,
      "--push",
      target,
      "--insecure-registry",
      registry,
      "--catalog",
      CATALOG_DIR,
      "--lockfile",
      LOCKFILE,
      "--out",
      join(work, "out"),
      "--json",
    ]);
    if (baked.code !== 0) throw new Error(`kiln bake exited ${baked.code}:\n${baked.stderr}`);
    const [report] = JSON.parse(baked.stdout) as Array<{ digest: string }>;
    digest = report?.digest as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The worker's plugin.path is exactly what the image holds, read back by digest.
    const pluginsDir = join(work, "plugins-from-image");
    const pulled = await pullPlugins(
      client,
      parseReference(`${registry}/e2e-cdc/connect@${digest}`),
      pluginsDir,
    );
    expect(pulled.digest).toBe(digest);
    expect(pulled.plugins).toStrictEqual(PLUGINS);
    // …and it is, file for file, what kiln resolved from Maven Central for the lock.
    const { catalog } = await readCatalog(CATALOG_DIR);
    const lock = parseLock(await readFile(LOCKFILE, "utf8"));
    const resolved = await resolvePlugins(catalog as NonNullable<typeof catalog>, lock, PLUGINS, {
      cacheDir: TEST_KILN_CACHE,
      env: {},
    });
    const expected = resolved
      .flatMap((p) =>
        p.files.filter((f) => f.mode !== 0o120777).map((f) => `${p.name}/${f.path} ${f.sha256}`),
      )
      .sort();
    expect(pulled.files.map((f) => `${f.path} ${f.sha256}`).sort()).toStrictEqual(expected);

    worker = await startConnectWorker({
      bootstrap: required("kafkaBootstrap"),
      groupId: `kiln-e2e-cdc-${suffix}`,
      workDir: work,
      name: "connect-cdc",
      version: required("kafkaVersion"),
      pluginPath: [pluginsDir],
    });

    // A repo-like directory: one ConnectTarget, two Connector files.
    ws = join(work, "repo");
    await mkdir(join(ws, "connectors"), { recursive: true });
    await writeFile(
      join(ws, "connectors", "_target.yaml"),
      yamlOf({ apiVersion: "kiln.dev/v1", kind: "ConnectTarget", name: "cdc", urls: [worker.url] }),
    );
    await writeFile(
      join(ws, "connectors", "orders-source.yaml"),
      yamlOf({
        apiVersion: "kiln.dev/v1",
        kind: "Connector",
        name: "orders-cdc",
        connectCluster: "cdc",
        plugin: { name: "debezium-postgres", class: "io.debezium.connector.postgresql.PostgresConnector" },
        tasksMax: 1,
        config: {
          "topic.prefix": "shop",
          "database.hostname": pg.host,
          "database.port": pg.port,
          "database.user": "kiln_cdc",
          "database.dbname": "shop",
          "plugin.name": "pgoutput",
          "slot.name": "kiln_cdc",
          "publication.name": "kiln_cdc",
          "publication.autocreate.mode": "disabled",
          "table.include.list": "public.orders",
          ...converters,
        },
      }),
    );
    await writeFile(
      join(ws, "connectors", "orders-sink.yaml"),
      yamlOf({
        apiVersion: "kiln.dev/v1",
        kind: "Connector",
        name: "orders-replica",
        connectCluster: "cdc",
        plugin: { name: "debezium-jdbc", class: "io.debezium.connector.jdbc.JdbcSinkConnector" },
        tasksMax: 1,
        config: {
          topics: "shop.public.orders",
          "connection.url": pg.jdbcUrl("warehouse"),
          "connection.username": "kiln_sink",
          "insert.mode": "upsert",
          "primary.key.mode": "record_key",
          "delete.enabled": "true",
          "schema.evolution": "basic",
          "collection.name.format": "orders_replica",
          ...converters,
        },
      }),
    );
  }, 900_000);

  afterAll(async () => {
    await worker?.stop();
    await pg?.stop();
    await client.close();
    // The plugin tree pulled from the image (~70 MB); logs stay in the run's work dir.
    if (work) await rm(join(work, "plugins-from-image"), { recursive: true, force: true });
  });

  it("kiln connectors apply creates both connectors and waits until they run", async () => {
    const planned = await kiln(ws, ["connectors", "plan", "--catalog", CATALOG_DIR]);
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(2);
    const applied = await kiln(ws, [
      "connectors",
      "apply",
      "--catalog",
      CATALOG_DIR,
      "--wait",
      "--wait-timeout",
      "150",
    ]);
    expect(applied.stderr).not.toMatch(/kiln:/);
    expect(applied.code).toBe(0);
    // Progress lines (CI=true): each created, then seen RUNNING with its task.
    expect(applied.stderr).toContain("done orders-cdc (RUNNING [0:RUNNING])");
    expect(applied.stderr).toContain("done orders-replica (RUNNING [0:RUNNING])");
    expect(applied.stdout).toContain("Applied 2 change(s)");
  }, 240_000);

  it("the initial snapshot, then inserts, updates and deletes arrive in the sink database", async () => {
    const snapshot = ["1|ada|new|1200", "2|grace|new|3400"].join("\n");
    await eventually("the snapshot in orders_replica", async () => (await replica()) === snapshot, {
      timeoutMs: 120_000,
      describe: diagnose,
    });
    await pg.sql(
      "shop",
      [
        "insert into orders values (3, 'edsger', 'new', 560), (4, 'barbara', 'new', 780)",
        "update orders set status = 'paid', amount_cents = 1250 where id = 1",
        "update orders set status = 'shipped' where id = 3",
        "delete from orders where id = 2",
      ].join(";\n"),
    );
    const expected = ["1|ada|paid|1250", "3|edsger|shipped|560", "4|barbara|new|780"].join("\n");
    await eventually("changes in orders_replica", async () => (await replica()) === expected, {
      timeoutMs: 120_000,
      describe: diagnose,
    });
    // The source database is the truth the replica must equal.
    expect(await pg.sql("shop", "select id, customer, status, amount_cents from orders order by id")).toBe(
      expected,
    );
  }, 300_000);

  it("re-applying the same files is a no-op: zero writes to Connect", async () => {
    const planned = await kiln(ws, ["connectors", "plan", "--catalog", CATALOG_DIR]);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain("No changes");
    // The library path `kiln connectors apply` runs, with the client's write counter.
    const { catalog } = await readCatalog(CATALOG_DIR);
    const plan = await planDeployment({
      files: await loadDeploymentFiles([join(ws, "connectors")]),
      catalog: catalog as NonNullable<typeof catalog>,
      processEnv: process.env,
      baseDir: ws,
    });
    try {
      expect(plan.diagnostics).toStrictEqual([]);
      const [cluster] = plan.clusters;
      expect(pendingChanges(cluster?.plan as NonNullable<typeof cluster>["plan"])).toStrictEqual([]);
      const before = cluster?.client.stats.writes ?? -1;
      const result = await applyPlan(
        cluster?.client as ConnectClient,
        cluster?.plan as NonNullable<typeof cluster>["plan"],
        {},
      );
      expect(result.applied).toStrictEqual([]);
      expect((cluster?.client.stats.writes ?? -1) - before).toBe(0);
    } finally {
      await plan.close();
    }
    const again = await kiln(ws, ["connectors", "apply", "--catalog", CATALOG_DIR]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Applied 0 change(s)");
    // Still replicating after the re-apply (nothing was restarted into a broken state).
    await pg.sql("shop", "insert into orders values (5, 'alan', 'new', 99)");
    await eventually(
      "a row written after the re-apply",
      async () => (await replica()).includes("5|alan|new|99"),
      {
        timeoutMs: 90_000,
        describe: diagnose,
      },
    );
  }, 240_000);
});
