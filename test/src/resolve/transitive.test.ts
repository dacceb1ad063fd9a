import { join, resolve } from "node:path";
import { Catalog, lockCatalog, readCatalog, resolvePlugins, serializeLock } from "@kiln/catalog";
import type { ConnectorPlugin, MavenArtifact } from "@kiln/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { requireMavenCentral, TEST_KILN_CACHE } from "./network.js";

const ROOT = resolve(import.meta.dirname, "../../..");
let fileEntry: ConnectorPlugin;

beforeAll(async () => {
  await requireMavenCentral();
  const { catalog } = await readCatalog(join(ROOT, "catalog/connectors"), { cwd: ROOT });
  const e = catalog?.get("kafka-connect-file");
  if (!e) throw new Error("the catalog has no kafka-connect-file entry");
  fileEntry = e;
});

describe("transitive: true with the real Maven resolver (mvn, Maven Central, network required)", () => {
  it("records every runtime dependency and flags the jars Kafka ships", async () => {
    const main = fileEntry.artifacts[0] as MavenArtifact;
    const entry: ConnectorPlugin = {
      ...fileEntry,
      name: "file-transitive",
      artifacts: [{ ...main, transitive: true, scopes: ["runtime"] }],
    };
    const catalog = new Catalog([{ entry, source: { file: "file-transitive.yaml" } as never }]);
    const lock = await lockCatalog(catalog, undefined, undefined, {
      cacheDir: TEST_KILN_CACHE,
      env: process.env,
    });
    const files = lock.plugins["file-transitive"]?.artifacts[0]?.files ?? [];
    const names = files.map((f) => f.fileName);
    expect(names[0]).toBe("connect-file-4.3.1.jar");
    expect(names).toContain("connect-api-4.3.1.jar");
    expect(names).toContain("kafka-clients-4.3.1.jar");
    expect(files.find((f) => f.fileName === "kafka-clients-4.3.1.jar")?.kafkaProvided).toBe(true);
    expect(files.find((f) => f.fileName === "connect-api-4.3.1.jar")?.kafkaProvided).toBe(true);
    for (const f of files) {
      expect(f.url).toMatch(/^https:\/\/repo1\.maven\.org\/maven2\/.+\.jar$/);
      expect(f.sha512).toMatch(/^[0-9a-f]{128}$/);
    }
    // Kafka's own jars are recorded but not laid out.
    const [plugin] = await resolvePlugins(catalog, lock, undefined, { cacheDir: TEST_KILN_CACHE, env: {} });
    expect(plugin?.files.map((f) => f.path)).not.toContain("kafka-clients-4.3.1.jar");
    expect(plugin?.files.map((f) => f.path)).toContain("connect-file-4.3.1.jar");
    // A second lock is served from the cached mvn result: same bytes.
    const again = await lockCatalog(catalog, undefined, undefined, {
      cacheDir: TEST_KILN_CACHE,
      env: process.env,
    });
    expect(serializeLock(again)).toBe(serializeLock(lock));
  });
});
