import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ConnectorPlugin } from "@kiln/schemas";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Cache } from "../cache/cache.js";
import { Catalog } from "../catalog.js";
import { ChecksumError, ResolveError } from "../errors.js";
import type { LockedPlugin } from "../lock/lock.js";
import { checkLock, parseLock, serializeLock } from "../lock/lock.js";
import { contentDigest, planPlugin, strimziHash } from "../lock/plan.js";
import type { PinnedFile } from "../lock/types.js";
import { lieAboutSizes, makeJar, makeTgz, makeZip, sha1, sha512 } from "../testing/archives.js";
import { fatPluginTgz } from "../testing/fat-plugin.js";
import { LoopbackServer } from "../testing/server.js";
import { excludeMatcher } from "./exclude.js";
import { HttpClient } from "./http.js";
import { materializePlugin } from "./layout.js";
import { parseMavenSettings } from "./maven-settings.js";
import { lockCatalog, type ResolveOptions, resolvePlugins } from "./plugins.js";

const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
const jar = makeJar({
  classes: ["com.example.FooSource"],
  services: { [SOURCE]: ["com.example.FooSource"] },
});
const depJar = makeJar({ classes: ["com.example.util.Helper"] });
let tgz: Buffer;

let srv: LoopbackServer;
let other: LoopbackServer;
let cacheDir: string;

beforeEach(async () => {
  tgz ??= await makeTgz([
    { name: "foo-plugin/foo-1.0.jar", data: jar },
    { name: "foo-plugin/helper-2.1.jar", data: depJar },
  ]);
  srv = await new LoopbackServer().start();
  other = await new LoopbackServer().start();
  cacheDir = await mkdtemp(join(tmpdir(), "kiln-cache-"));
});
afterEach(async () => {
  await Promise.all([srv.stop(), other.stop()]);
  await rm(cacheDir, { recursive: true, force: true });
});

function entry(name: string, artifacts: ConnectorPlugin["artifacts"]): ConnectorPlugin {
  return {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name,
    title: name,
    type: "source",
    version: "1.0.0",
    license: "Apache-2.0",
    kafka: ">=3.9.0",
    owners: ["team"],
    classes: [{ class: "com.example.FooSource", type: "source" }],
    artifacts,
  };
}

function catalogOf(...entries: ConnectorPlugin[]): Catalog {
  return new Catalog(entries.map((e) => ({ entry: e, source: { file: `${e.name}.yaml` } as never })));
}

function opts(extra: Partial<ResolveOptions> = {}): ResolveOptions & { http: HttpClient } {
  return {
    cacheDir,
    env: {},
    maven: { mirrors: [], servers: [] },
    http: new HttpClient({ allowInsecureLoopback: true, backoffMs: 5 }),
    ...extra,
  } as ResolveOptions & { http: HttpClient };
}

async function cachedFiles(): Promise<string[]> {
  return readdir(join(cacheDir, "sha512")).catch(() => []);
}

describe("url artifacts (real loopback server)", () => {
  it("resolves, locks and lays out a plugin; a warm resolve makes zero requests", async () => {
    srv.file("/foo-1.0.jar", jar).file("/foo-plugin.tgz", tgz);
    const catalog = catalogOf(
      entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
      entry("foo-tgz", [{ type: "tgz", url: `${srv.url}/foo-plugin.tgz`, sha512: sha512(tgz) }]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    expect(lock.plugins.foo?.artifacts[0]?.files[0]).toMatchObject({
      fileName: "foo-1.0.jar",
      size: jar.length,
    });
    expect(lock.plugins["foo-tgz"]?.artifacts[0]?.files[0]?.contents?.map((c) => c.path)).toStrictEqual([
      "foo-plugin/foo-1.0.jar",
      "foo-plugin/helper-2.1.jar",
    ]);
    const text = serializeLock(lock);
    expect(
      checkLock(
        catalog.entries.map((e) => e.entry),
        parseLock(text),
        text,
      ).ok,
    ).toBe(true);

    const before = srv.count();
    const o = opts();
    const plugins = await resolvePlugins(catalog, lock, undefined, o);
    expect(plugins.map((p) => [p.name, p.files.map((f) => f.path)])).toStrictEqual([
      ["foo", ["foo-1.0.jar"]],
      ["foo-tgz", ["foo-plugin/foo-1.0.jar", "foo-plugin/helper-2.1.jar"]],
    ]);
    expect(await readFile(join(plugins[0]?.dir as string, "foo-1.0.jar"))).toStrictEqual(jar);
    expect(plugins[0]?.digest).toBe(lock.plugins.foo?.digest);
    expect(srv.count()).toBe(before);
    expect(o.http.stats.requests).toBe(0);
  });

  it("resolves from the lock alone into an empty cache, then warm with zero requests", async () => {
    srv.file("/foo-plugin.tgz", tgz);
    const catalog = catalogOf(
      entry("foo", [{ type: "tgz", url: `${srv.url}/foo-plugin.tgz`, sha512: sha512(tgz) }]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    await rm(cacheDir, { recursive: true, force: true });
    const cold = opts();
    const [plugin] = await resolvePlugins(catalog, lock, ["foo"], cold);
    expect(cold.http.stats.requests).toBe(1);
    expect(plugin?.digest).toBe(lock.plugins.foo?.digest);
    const warm = opts();
    const count = srv.count();
    await resolvePlugins(catalog, lock, ["foo"], warm);
    expect(warm.http.stats.requests).toBe(0);
    expect(srv.count()).toBe(count);
  });

  it("keeps each file's artifact URL, even where two archives hold files of the same name", async () => {
    const other = await makeTgz([{ name: "other-plugin/helper-2.1.jar", data: depJar }]);
    srv.file("/foo-plugin.tgz", tgz);
    srv.file("/other-plugin.tgz", other);
    const fooUrl = `${srv.url}/foo-plugin.tgz`;
    const otherUrl = `${srv.url}/other-plugin.tgz`;
    const catalog = catalogOf(
      entry("foo", [
        { type: "tgz", url: fooUrl, sha512: sha512(tgz) },
        { type: "tgz", url: otherUrl, sha512: sha512(other) },
      ]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    // Laid out, then again from the cache: the same URLs either way.
    for (const _ of ["laid out", "cached"]) {
      const [p] = await resolvePlugins(catalog, lock, undefined, opts());
      expect(p?.files.map((f) => [f.path, f.url])).toStrictEqual([
        ["foo-plugin/foo-1.0.jar", fooUrl],
        ["foo-plugin/helper-2.1.jar", fooUrl],
        ["other-plugin/helper-2.1.jar", otherUrl],
      ]);
    }
  });

  it("lays out the Strimzi way: <plugin>/<first 8 hex of sha1(url)>/…", async () => {
    srv.file("/foo-1.0.jar", jar);
    const url = `${srv.url}/foo-1.0.jar`;
    const catalog = catalogOf(entry("foo", [{ type: "jar", url, sha512: sha512(jar) }]));
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    const [p] = await resolvePlugins(catalog, lock, undefined, opts({ layout: "strimzi" }));
    expect(p?.files.map((f) => f.path)).toStrictEqual([`${strimziHash(url)}/foo-1.0.jar`]);
    expect(p?.digest).not.toBe(lock.plugins.foo?.digest);
  });

  it("discards a file whose sha512 differs, caches nothing, and names both digests", async () => {
    srv.file("/foo-1.0.jar", jar);
    const wrong = sha512("something else");
    const catalog = catalogOf(entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: wrong }]));
    const err = await lockCatalog(catalog, undefined, undefined, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toContain(`expected ${wrong}`);
    expect((err as Error).message).toContain(`got ${sha512(jar)}`);
    expect(await cachedFiles()).toStrictEqual([]);
    expect(await readdir(join(cacheDir, "tmp"))).toStrictEqual([]);
  });

  it("refuses an http:// artifact URL", async () => {
    const catalog = catalogOf(
      entry("foo", [{ type: "jar", url: "http://example.com/foo.jar", sha512: sha512(jar) }]),
    );
    await expect(lockCatalog(catalog, undefined, undefined, opts())).rejects.toThrow(/must use https/);
  });

  it("sends the Authorization header from the variable authEnv names, and refuses without it", async () => {
    srv.file("/private.jar", jar);
    const catalog = catalogOf(
      entry("foo", [
        { type: "jar", url: `${srv.url}/private.jar`, authEnv: "FOO_TOKEN", sha512: sha512(jar) },
      ]),
    );
    await expect(lockCatalog(catalog, undefined, undefined, opts())).rejects.toThrow(
      /set the environment variable FOO_TOKEN/,
    );
    const lock = await lockCatalog(
      catalog,
      undefined,
      undefined,
      opts({ env: { FOO_TOKEN: "Bearer s3cret" } }),
    );
    expect(srv.requests[0]?.headers.authorization).toBe("Bearer s3cret");
    expect(serializeLock(lock)).not.toContain("s3cret");
    expect(serializeLock(lock)).toContain('"authEnv": "FOO_TOKEN"');
  });

  it("lets two resolves share one cache at once", async () => {
    srv.file("/foo-plugin.tgz", tgz);
    const catalog = catalogOf(
      entry("foo", [{ type: "tgz", url: `${srv.url}/foo-plugin.tgz`, sha512: sha512(tgz) }]),
    );
    const [a, b] = await Promise.all([
      lockCatalog(catalog, undefined, undefined, opts()),
      lockCatalog(catalog, undefined, undefined, opts()),
    ]);
    expect(serializeLock(a as never)).toBe(serializeLock(b as never));
    expect(await cachedFiles()).toStrictEqual([sha512(tgz)]);
  });
});

describe("exclude: files of an archive left out of the plugin directory", () => {
  it("a fat package's bundled Kafka jars stay out of the lock and the layout; changing exclude needs a new lock", async () => {
    const fat = await fatPluginTgz("2.6.0");
    srv.file("/acme.tgz", fat);
    const exclude = ["connect-json-*.jar", "kafka-clients-*.jar", "acme-connector/slf4j-api-?.?.??.jar"];
    const e = entry("acme", [{ type: "tgz", url: `${srv.url}/acme.tgz`, sha512: sha512(fat), exclude }]);
    const lock = await lockCatalog(catalogOf(e), undefined, undefined, opts());
    const file = lock.plugins.acme?.artifacts[0]?.files[0];
    expect(file?.exclude).toStrictEqual(exclude);
    expect(file?.contents?.map((c) => c.path)).toStrictEqual([
      "acme-connector/LICENSE.txt",
      "acme-connector/acme-connector-1.0.0.jar",
      "acme-connector/registry-converter-1.3.1.jar",
    ]);
    const [plugin] = await resolvePlugins(catalogOf(e), lock, undefined, {
      ...opts(),
      cacheDir: await mkdtemp(join(tmpdir(), "kiln-cache-")),
    });
    expect(plugin?.files.map((f) => f.path)).toStrictEqual(file?.contents?.map((c) => c.path));
    expect(plugin?.digest).toBe(lock.plugins.acme?.digest);
    const text = serializeLock(lock);
    const changed = {
      ...e,
      artifacts: [{ ...(e.artifacts[0] as object), exclude: ["kafka-clients-*.jar"] }],
    } as ConnectorPlugin;
    expect(checkLock([changed], parseLock(text), text).problems).toStrictEqual([
      "acme: artifact 1 excludes other files in the lock",
    ]);
  });

  it.each([
    ["kafka-clients-*.jar", "lib/kafka-clients-2.6.0.jar", true],
    ["kafka-clients-*.jar", "lib/kafka-clients-2.6.0.jar.sha1", false],
    ["lib/*.jar", "lib/a.jar", true],
    ["lib/*.jar", "x/lib/a.jar", false],
    ["**/docs/**", "pkg/docs/a/b.txt", true],
  ])("pattern %s on %s → %s", (pattern, path, matches) => {
    expect(excludeMatcher([pattern])(path)).toBe(matches);
  });
});

describe("maven artifacts (loopback repository)", () => {
  const path = "/repo/com/example/foo/1.0/foo-1.0.jar";
  const maven = (sha = sha512(jar)) =>
    entry("foo", [
      {
        type: "maven",
        group: "com.example",
        artifact: "foo",
        version: "1.0",
        repository: `${srv.url}/repo`,
        sha512: sha,
      },
    ]);

  it("verifies the repository's .sha1 and .sha512 as well as the catalog's sha512", async () => {
    srv
      .file(path, jar)
      .file(`${path}.sha1`, `${sha1(jar)}  foo-1.0.jar\n`)
      .file(`${path}.sha512`, sha512(jar));
    const lock = await lockCatalog(catalogOf(maven()), undefined, undefined, opts());
    expect(lock.plugins.foo?.artifacts[0]).toMatchObject({
      source: "maven:com.example:foo:jar:1.0",
      repository: `${srv.url}/repo`,
      files: [{ url: `${srv.url}${path}`, sha512: sha512(jar) }],
    });
    expect(srv.count(`${path}.sha1`)).toBe(1);
  });

  it("refuses a file whose repository .sha1 disagrees", async () => {
    srv.file(path, jar).file(`${path}.sha1`, sha1("other"));
    const err = await lockCatalog(catalogOf(maven()), undefined, undefined, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toMatch(/sha1 mismatch/);
    expect(await cachedFiles()).toStrictEqual([]);
  });

  it("reports coordinates that do not exist (404) clearly", async () => {
    const err = await lockCatalog(catalogOf(maven()), undefined, undefined, opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResolveError);
    expect((err as Error).message).toMatch(
      /Maven artifact com\.example:foo:jar:1\.0 does not exist in .*\(404\)/,
    );
  });

  it("goes through a settings.xml mirror with that server's credentials; the lock keeps the canonical URL", async () => {
    other
      .file(`/nexus${path.slice("/repo".length)}`, jar)
      .file(`/nexus${path.slice("/repo".length)}.sha1`, sha1(jar));
    const settings = parseMavenSettings(
      `<settings><servers><server><id>corp</id><username>ci</username><password>\${env.NEXUS_PW}</password></server></servers>
       <mirrors><mirror><id>corp</id><mirrorOf>*</mirrorOf><url>${other.url}/nexus</url></mirror></mirrors></settings>`,
      { NEXUS_PW: "hunter2" },
    );
    const lock = await lockCatalog(catalogOf(maven()), undefined, undefined, opts({ maven: settings }));
    expect(srv.count()).toBe(0);
    expect(other.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("ci:hunter2").toString("base64")}`,
    );
    expect(lock.plugins.foo?.artifacts[0]?.files[0]?.url).toBe(`${srv.url}${path}`);
    expect(serializeLock(lock)).not.toContain("hunter2");
  });

  it("honours the KILN_MAVEN_REPOSITORY override", async () => {
    other
      .file(`/art${path.slice("/repo".length)}`, jar)
      .file(`/art${path.slice("/repo".length)}.sha1`, sha1(jar));
    await lockCatalog(
      catalogOf(maven()),
      undefined,
      undefined,
      opts({ maven: { mirrors: [], servers: [], override: `${other.url}/art` } }),
    );
    expect(other.count()).toBeGreaterThan(0);
    expect(srv.count()).toBe(0);
  });
});

describe("github-release artifacts (fake GitHub API)", () => {
  function serveRelease() {
    srv.route("/api/v3/repos/acme/foo/releases/tags/v1.0", (req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-ratelimit-remaining": "4999" });
      res.end(
        JSON.stringify({
          id: 1,
          tag_name: "v1.0",
          assets: [
            {
              id: 7,
              name: "foo-plugin.tgz",
              size: tgz.length,
              url: `${srv.url}/api/v3/repos/acme/foo/releases/assets/7`,
              browser_download_url: `${other.url}/acme/foo/releases/download/v1.0/foo-plugin.tgz`,
            },
          ],
        }),
      );
      void req;
    });
    // Like GitHub: the asset API answers with a redirect to storage on another host.
    srv.route("/api/v3/repos/acme/foo/releases/assets/7", (_req, res) =>
      res.writeHead(302, { location: `${other.url}/storage/foo-plugin.tgz?sig=abc` }).end(),
    );
    other.file("/storage/foo-plugin.tgz", tgz);
  }
  const gh = (sha = sha512(tgz)) =>
    entry("foo", [
      {
        type: "github-release",
        repository: "acme/foo",
        tag: "v1.0",
        asset: "foo-plugin.tgz",
        sha512: sha,
        checksumSource: "release notes",
      },
    ]);

  it("finds the asset through the REST API (GitHub Enterprise baseUrl) and drops the token at storage (fake GitHub API)", async () => {
    serveRelease();
    const o = opts({ github: { baseUrl: `${srv.url}/api/v3`, token: "ghp_secret" } });
    const lock = await lockCatalog(catalogOf(gh()), undefined, undefined, o);
    expect(lock.plugins.foo?.artifacts[0]?.files[0]?.contents?.length).toBe(2);
    expect(srv.requests[0]?.headers.authorization).toMatch(/ghp_secret/);
    expect(srv.requests[1]?.headers.accept).toBe("application/octet-stream");
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    const warm = opts({ github: { baseUrl: `${srv.url}/api/v3` } });
    await resolvePlugins(catalogOf(gh()), lock, undefined, warm);
    expect(warm.http.stats.requests).toBe(0);
  });

  it("refetches a locked asset into an empty cache through the API (fake GitHub API)", async () => {
    serveRelease();
    const github = { baseUrl: `${srv.url}/api/v3` };
    const lock = await lockCatalog(catalogOf(gh()), undefined, undefined, opts({ github }));
    await rm(cacheDir, { recursive: true, force: true });
    const cold = opts({ github });
    const [p] = await resolvePlugins(catalogOf(gh()), lock, undefined, cold);
    expect(p?.digest).toBe(lock.plugins.foo?.digest);
    expect(cold.http.stats.requests).toBe(3); // release lookup, asset API, storage
  });

  it("reads GITHUB_TOKEN and GITHUB_API_URL from the environment (fake GitHub API)", async () => {
    serveRelease();
    await lockCatalog(
      catalogOf(gh()),
      undefined,
      undefined,
      opts({ env: { GITHUB_TOKEN: "tok", GITHUB_API_URL: `${srv.url}/api/v3` } }),
    );
    expect(srv.requests[0]?.headers.authorization).toMatch(/tok/);
  });

  it("explains an exhausted rate limit (fake GitHub API)", async () => {
    srv.route("/api/v3/repos/acme/foo/releases/tags/v1.0", (_req, res) =>
      res
        .writeHead(403, {
          "content-type": "application/json",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1893456000",
        })
        .end(JSON.stringify({ message: "API rate limit exceeded" })),
    );
    const err = await lockCatalog(
      catalogOf(gh()),
      undefined,
      undefined,
      opts({ github: { baseUrl: `${srv.url}/api/v3` } }),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /rate limit exhausted \(resets 2030-01-01T00:00:00.000Z\); set GITHUB_TOKEN/,
    );
  });

  it("names the assets a release does have when one is missing (fake GitHub API)", async () => {
    serveRelease();
    const missing = entry("foo", [
      {
        type: "github-release",
        repository: "acme/foo",
        tag: "v1.0",
        asset: "nope.jar",
        sha512: sha512(tgz),
        checksumSource: "release notes",
      },
    ]);
    await expect(
      lockCatalog(
        catalogOf(missing),
        undefined,
        undefined,
        opts({ github: { baseUrl: `${srv.url}/api/v3` } }),
      ),
    ).rejects.toThrow(/has no asset "nope.jar" \(assets: foo-plugin.tgz\)/);
  });
});

describe("resolvePlugins against the lock", () => {
  it("kiln lock <name> re-resolves only that entry and keeps the others as locked", async () => {
    srv.file("/foo-1.0.jar", jar).file("/bar.jar", depJar);
    const both = catalogOf(
      entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
      entry("bar", [{ type: "jar", url: `${srv.url}/bar.jar`, sha512: sha512(depJar) }]),
    );
    const lock = await lockCatalog(both, undefined, undefined, opts());
    const requests = srv.count();
    const again = await lockCatalog(both, lock, ["bar"], opts());
    expect(serializeLock(again)).toBe(serializeLock(lock));
    expect(srv.count()).toBe(requests);
    await expect(lockCatalog(both, lock, ["nope"], opts())).rejects.toThrow(/no catalog entry named "nope"/);
  });

  it("refuses a plugin whose lock no longer matches the catalog", async () => {
    srv.file("/foo-1.0.jar", jar);
    const catalog = catalogOf(
      entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    const bumped = catalogOf({
      ...entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
      version: "1.1.0",
    });
    await expect(resolvePlugins(bumped, lock, undefined, opts())).rejects.toThrow(
      /run kiln lock[\s\S]*version 1.1.0 in the catalog, 1.0.0 in the lock/,
    );
  });

  it("a lock that names a file outside the plugin directory writes nothing outside the cache", async () => {
    srv.file("/foo-1.0.jar", jar);
    const catalog = catalogOf(
      entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    const file = lock.plugins.foo?.artifacts[0]?.files[0] as PinnedFile;
    file.fileName = "../../../../../escaped.jar";
    (lock.plugins.foo as LockedPlugin).digest = contentDigest(planPlugin([file]));
    await rm(join(cacheDir, "plugins"), { recursive: true, force: true });
    await expect(resolvePlugins(catalog, lock, undefined, opts())).rejects.toThrow(
      /laid out as foo-1\.0\.jar, but the lock names it "\.\.\/\.\.\//,
    );
    // Below the library's own check, the layout refuses the name too.
    const cache = new Cache(cacheDir);
    await expect(
      materializePlugin(cache, "foo", [{ ...file, cachePath: cache.pathOf(file.sha512) }]),
    ).rejects.toThrow(/is not a plain file name/);
    const escaped = ["..", "../..", "../../..", "../../../.."].map((up) =>
      join(cacheDir, "tmp", up, "escaped.jar"),
    );
    for (const p of escaped) await expect(readFile(p)).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(cacheDir, "tmp"))).toStrictEqual([]);
  });

  it("the same package under two names: each name gets its plugin directory (one content digest)", async () => {
    srv.file("/foo-1.0.jar", jar);
    const foo = entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]);
    const lock = await lockCatalog(catalogOf(foo), undefined, undefined, opts());
    const [first] = await resolvePlugins(catalogOf(foo), lock, undefined, opts());
    const renamed = catalogOf({ ...foo, name: "bar" });
    const lockBar = await lockCatalog(renamed, undefined, undefined, opts());
    expect(lockBar.plugins.bar?.digest).toBe(lock.plugins.foo?.digest);
    const [second] = await resolvePlugins(renamed, lockBar, undefined, opts());
    expect(second?.dir).toBe(join(dirname(first?.dir as string), "bar"));
    expect(await readdir(second?.dir as string)).toStrictEqual(["foo-1.0.jar"]);
    expect(await readdir(first?.dir as string)).toStrictEqual(["foo-1.0.jar"]);
  });

  it("random bytes named .jar are refused when locked, not baked", async () => {
    const junk = Buffer.from("this is not a zip file at all, only bytes with a .jar name");
    srv.file("/junk-1.0.jar", junk);
    const catalog = catalogOf(
      entry("junk", [{ type: "jar", url: `${srv.url}/junk-1.0.jar`, sha512: sha512(junk) }]),
    );
    await expect(lockCatalog(catalog, undefined, undefined, opts())).rejects.toThrow(
      /junk-1\.0\.jar in plugin junk is not a jar: it does not start with a zip header/,
    );
    expect(await readdir(join(cacheDir, "tmp"))).toStrictEqual([]);
  });

  it("a file whose size differs from the lock's is refused", async () => {
    srv.file("/foo-1.0.jar", jar);
    const catalog = catalogOf(
      entry("foo", [{ type: "jar", url: `${srv.url}/foo-1.0.jar`, sha512: sha512(jar) }]),
    );
    const lock = await lockCatalog(catalog, undefined, undefined, opts());
    (lock.plugins.foo?.artifacts[0]?.files[0] as PinnedFile).size = 1;
    await rm(join(cacheDir, "plugins"), { recursive: true, force: true });
    await expect(resolvePlugins(catalog, lock, undefined, opts())).rejects.toThrow(
      new RegExp(`foo-1\\.0\\.jar is ${jar.length} bytes, but the lock says 1`),
    );
  });

  it("a zip whose headers lie about sizes is refused, and leaves no temporary files", async () => {
    const liar = lieAboutSizes(await makeZipOf(), -3);
    srv.file("/liar.zip", liar);
    const catalog = catalogOf(
      entry("liar", [{ type: "zip", url: `${srv.url}/liar.zip`, sha512: sha512(liar) }]),
    );
    await expect(lockCatalog(catalog, undefined, undefined, opts())).rejects.toThrow(
      /refusing to unpack liar\.zip: corrupt zip \(too many bytes in the stream/,
    );
    expect(await readdir(join(cacheDir, "tmp"))).toStrictEqual([]);
  });
});

async function makeZipOf(): Promise<Buffer> {
  return makeZip([{ name: "liar/foo-1.0.jar", data: jar }]);
}
