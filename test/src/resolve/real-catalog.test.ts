import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type Catalog,
  checkLock,
  HttpClient,
  inspectPlugin,
  lockCatalog,
  parseLock,
  ResolveError,
  readCatalog,
  resolvePlugins,
  serializeLock,
} from "@kiln/catalog";
import { beforeAll, describe, expect, it } from "vitest";
import { requireMavenCentral, TEST_KILN_CACHE } from "./network.js";

const ROOT = resolve(import.meta.dirname, "../../..");
let catalog: Catalog;
let lockText: string;

beforeAll(async () => {
  await requireMavenCentral();
  const result = await readCatalog(join(ROOT, "catalog/connectors"), { cwd: ROOT });
  if (!result.catalog)
    throw new Error(`the committed catalog is invalid: ${JSON.stringify(result.diagnostics)}`);
  catalog = result.catalog;
  lockText = await readFile(join(ROOT, "kiln.lock.json"), "utf8");
});

describe("the committed catalog and lock (real Maven Central, network required)", () => {
  it("kiln lock --check passes", () => {
    const r = checkLock(
      catalog.entries.map((e) => e.entry),
      parseLock(lockText),
      lockText,
    );
    expect(r.problems).toStrictEqual([]);
  });

  it("every entry resolves from the lock to the locked digest, and inspects without errors", async () => {
    const plugins = await resolvePlugins(catalog, parseLock(lockText), undefined, {
      cacheDir: TEST_KILN_CACHE,
      env: {},
    });
    expect(plugins.map((p) => p.name)).toStrictEqual(catalog.entries.map((e) => e.entry.name));
    for (const p of plugins) {
      expect(p.digest).toBe(parseLock(lockText).plugins[p.name]?.digest);
      const report = await inspectPlugin(catalog.get(p.name) as never, p.dir, { files: p.files });
      expect({ name: p.name, errors: report.errors }).toStrictEqual({ name: p.name, errors: [] });
      expect({ name: p.name, serviceLoad: report.serviceLoad }).toStrictEqual({
        name: p.name,
        serviceLoad: true,
      });
    }
  });

  it("re-locking from Maven Central reproduces the committed lock byte for byte", async () => {
    const lock = await lockCatalog(catalog, undefined, undefined, { cacheDir: TEST_KILN_CACHE, env: {} });
    expect(serializeLock(lock)).toBe(lockText);
  });

  it("a warm resolve makes zero network requests", async () => {
    const http = new HttpClient();
    await resolvePlugins(catalog, parseLock(lockText), undefined, {
      cacheDir: TEST_KILN_CACHE,
      env: {},
      http,
    });
    expect(http.stats).toStrictEqual({ requests: 0, bytes: 0 });
  });
});

describe("Maven Central errors (network required)", () => {
  it("coordinates that do not exist give a clear 404 error", async () => {
    const { Catalog } = await import("@kiln/catalog");
    const base = catalog.get("kafka-connect-file");
    if (!base) throw new Error("the catalog lost kafka-connect-file");
    const ghost = {
      ...base,
      name: "ghost",
      artifacts: [
        {
          type: "maven" as const,
          group: "org.apache.kafka",
          artifact: "connect-file",
          version: "0.0.404",
          sha512: "0".repeat(128),
        },
      ],
    };
    const one = new Catalog([{ entry: ghost, source: { file: "ghost.yaml" } as never }]);
    const err = await lockCatalog(one, undefined, undefined, { cacheDir: TEST_KILN_CACHE, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResolveError);
    expect((err as Error).message).toMatch(
      /Maven artifact org\.apache\.kafka:connect-file:jar:0\.0\.404 does not exist in https:\/\/repo1\.maven\.org\/maven2 \(404\)/,
    );
  });
});
