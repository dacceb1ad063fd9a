import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Cache, type Catalog, HttpClient, lockCatalog, readCatalog, resolvePlugins } from "@kiln/catalog";
import { LoopbackServer } from "@kiln/catalog/testing";
import type { ConnectorPlugin } from "@kiln/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireMavenCentral, TEST_KILN_CACHE } from "./network.js";

const ROOT = resolve(import.meta.dirname, "../../..");
let catalog: Catalog;
let pg: ConnectorPlugin;
let tgz: Buffer;
let pgDigest: string;
const srv = new LoopbackServer();
const storage = new LoopbackServer();

beforeAll(async () => {
  await requireMavenCentral();
  const result = await readCatalog(join(ROOT, "catalog/connectors"), { cwd: ROOT });
  catalog = result.catalog as Catalog;
  pg = catalog.get("debezium-postgres") as ConnectorPlugin;
  // The real Debezium archive, fetched from Maven Central once (then from the test cache).
  const lock = await lockCatalog(catalog, undefined, ["debezium-postgres"], {
    cacheDir: TEST_KILN_CACHE,
    env: {},
  });
  pgDigest = lock.plugins["debezium-postgres"]?.digest as string;
  tgz = await readFile(new Cache(TEST_KILN_CACHE).pathOf(pg.artifacts[0]?.sha512 as string));
  await srv.start();
  await storage.start();
});
/** A fresh kiln cache per test, so each download really happens; removed afterwards. */
const caches: string[] = [];
const fresh = async () => {
  caches.push(await mkdtemp(join(tmpdir(), "kiln-loopback-")));
  return caches.at(-1) as string;
};
afterAll(async () => {
  await srv.stop();
  await storage.stop();
  await Promise.all(caches.map((c) => rm(c, { recursive: true, force: true })));
});

function asUrlEntry(url: string): ConnectorPlugin {
  return { ...pg, artifacts: [{ type: "tgz", url, sha512: pg.artifacts[0]?.sha512 as string }] };
}

async function lockFrom(url: string, cacheDir: string) {
  const { Catalog } = await import("@kiln/catalog");
  const one = new Catalog([{ entry: asUrlEntry(url), source: { file: "pg.yaml" } as never }]);
  const http = new HttpClient({ allowInsecureLoopback: true, backoffMs: 10, timeoutMs: 5_000 });
  const lock = await lockCatalog(one, undefined, undefined, { cacheDir, env: {}, http });
  return { lock, http, one };
}

describe("the real Debezium archive over a faulty loopback server (node:http)", () => {
  it("through a cross-host redirect: same files, same digest as from Maven Central", async () => {
    srv.route("/dl/pg.tgz", (_req, res) =>
      res.writeHead(302, { location: `${storage.url}/blob/pg.tgz` }).end(),
    );
    storage.file("/blob/pg.tgz", tgz);
    const { lock } = await lockFrom(`${srv.url}/dl/pg.tgz`, await fresh());
    expect(lock.plugins["debezium-postgres"]?.digest).toBe(pgDigest);
  });

  it("after a 503 then success", async () => {
    let n = 0;
    srv.route("/flaky/pg.tgz", (_req, res) => {
      if (n++ === 0) res.writeHead(503).end();
      else res.writeHead(200, { "content-length": tgz.length }).end(tgz);
    });
    const { lock, http } = await lockFrom(`${srv.url}/flaky/pg.tgz`, await fresh());
    expect(lock.plugins["debezium-postgres"]?.digest).toBe(pgDigest);
    expect(http.stats.requests).toBe(2);
  });

  it("from a slow server", async () => {
    srv.route("/slow/pg.tgz", async (_req, res) => {
      res.writeHead(200, { "content-length": tgz.length });
      const step = Math.ceil(tgz.length / 8);
      for (let i = 0; i < tgz.length; i += step) {
        res.write(tgz.subarray(i, i + step));
        await sleep(100);
      }
      res.end();
    });
    const { lock } = await lockFrom(`${srv.url}/slow/pg.tgz`, await fresh());
    expect(lock.plugins["debezium-postgres"]?.digest).toBe(pgDigest);
  });

  it("resuming a truncated body with Range; then warm with zero requests", async () => {
    let cut = false;
    srv.route("/cut/pg.tgz", (req, res) => {
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (m) {
        const from = Number(m[1]);
        res
          .writeHead(206, { "accept-ranges": "bytes", "content-length": tgz.length - from })
          .end(tgz.subarray(from));
        return;
      }
      res.writeHead(200, { "accept-ranges": "bytes", "content-length": tgz.length });
      if (!cut) {
        cut = true;
        res.write(tgz.subarray(0, tgz.length >> 1), () => res.destroy());
      } else res.end(tgz);
    });
    const dir = await fresh();
    const { lock, one } = await lockFrom(`${srv.url}/cut/pg.tgz`, dir);
    expect(lock.plugins["debezium-postgres"]?.digest).toBe(pgDigest);
    expect(srv.requests.filter((r) => r.url === "/cut/pg.tgz" && r.headers.range).length).toBe(1);
    const before = srv.count();
    const http = new HttpClient({ allowInsecureLoopback: true });
    await resolvePlugins(one, lock, undefined, { cacheDir: dir, env: {}, http });
    expect(http.stats.requests).toBe(0);
    expect(srv.count()).toBe(before);
  });
});
