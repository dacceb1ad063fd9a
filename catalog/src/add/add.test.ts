import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectorPlugin, loadSpec } from "@kiln/schemas";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpClient } from "../resolve/http.js";
import { makeJar, sha1, sha512 } from "../testing/archives.js";
import { FAT_PLUGIN_CLASSES, fatPluginTgz } from "../testing/fat-plugin.js";
import { LoopbackServer } from "../testing/server.js";
import { proposeEntry } from "./add.js";
import { entryYaml } from "./entry-yaml.js";
import { spdxOf, spdxOfBundleLicense, spdxOfText } from "./license.js";
import { parsePom } from "./pom.js";
import { nameOfSource, parseAddSource, versionOfSource } from "./source.js";

describe("parseAddSource", () => {
  it.each([
    [
      "io.debezium:debezium-connector-db2:3.6.1.Final:plugin@tar.gz",
      {
        kind: "maven",
        group: "io.debezium",
        artifact: "debezium-connector-db2",
        version: "3.6.1.Final",
        classifier: "plugin",
        extension: "tar.gz",
      },
    ],
    [
      "org.apache.kafka:connect-file:4.3.1",
      {
        kind: "maven",
        group: "org.apache.kafka",
        artifact: "connect-file",
        version: "4.3.1",
        extension: "jar",
      },
    ],
    [
      "https://plugins.example.com/x/acme-connector-1.0.0.tar.gz",
      {
        kind: "url",
        url: "https://plugins.example.com/x/acme-connector-1.0.0.tar.gz",
        type: "tgz",
        fileName: "acme-connector-1.0.0.tar.gz",
      },
    ],
    [
      "github:acme/kafka-acme@v1.2.0/acme-1.2.0.zip",
      { kind: "github-release", repository: "acme/kafka-acme", tag: "v1.2.0", asset: "acme-1.2.0.zip" },
    ],
    [
      "https://github.com/acme/kafka-acme/releases/download/v1.2.0/acme-1.2.0.jar",
      { kind: "github-release", repository: "acme/kafka-acme", tag: "v1.2.0", asset: "acme-1.2.0.jar" },
    ],
  ])("%s", (text, source) => {
    expect(parseAddSource(text)).toStrictEqual(source);
  });

  it.each([
    ["http://plugins.example.com/a.jar", 'source "http://plugins.example.com/a.jar" must use https'],
    [
      "https://user:pw@plugins.example.com/a.jar",
      "source URLs must not carry credentials; use an artifact's authEnv instead",
    ],
    [
      "https://plugins.example.com/a.war",
      'source URL must end in a .jar, .zip or .tar.gz file name, not "a.war"',
    ],
    [
      "debezium-postgres",
      'source "debezium-postgres" must be Maven coordinates (group:artifact:version[:classifier][@jar|tar.gz|zip]), an https:// URL of a .jar, .zip or .tar.gz, or a GitHub release asset (github:owner/repo@tag/asset)',
    ],
  ])("refuses %s", (text, message) => {
    expect(() => parseAddSource(text)).toThrow(message);
  });

  it.each([
    ["io.debezium:debezium-connector-db2:3.6.1.Final:plugin@tar.gz", "debezium-db2", "3.6.1.Final"],
    [
      "org.apache.camel.kafkaconnector:camel-timer-kafka-connector:0.7.2:package@tar.gz",
      "camel-timer",
      "0.7.2",
    ],
    ["https://x.example/kafka-connect-s3-10.5.0-plugin.zip", "s3", "10.5.0"],
    ["github:acme/kafka-acme@v1.2.0/acme-connector-1.2.0.jar", "acme", "1.2.0"],
  ])("%s is named %s, version %s", (text, name, version) => {
    const s = parseAddSource(text);
    expect([nameOfSource(s), versionOfSource(s)]).toStrictEqual([name, version]);
  });
});

describe("licences", () => {
  it.each([
    ["The Apache Software License, Version 2.0", undefined, "Apache-2.0"],
    ["Apache License 2.0", undefined, "Apache-2.0"],
    [undefined, "https://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0"],
    ["MIT License", undefined, "MIT"],
    ["Eclipse Public License v2.0", undefined, "EPL-2.0"],
    ["Some Vendor Licence", "https://vendor.example/eula", undefined],
  ])("name %s url %s → %s", (name, url, spdx) => {
    expect(spdxOf(name, url)).toBe(spdx);
  });
  it("LICENSE texts and Bundle-License headers", () => {
    expect(
      spdxOfText(
        "\n                                 Apache License\n                           Version 2.0, January 2004\n",
      ),
    ).toBe("Apache-2.0");
    expect(spdxOfText("Permission is hereby granted, free of charge, to any person")).toBe("MIT");
    expect(spdxOfBundleLicense("https://www.apache.org/licenses/LICENSE-2.0.txt")).toBe("Apache-2.0");
    expect(spdxOfBundleLicense("Apache-2.0;link=https://x")).toBe("Apache-2.0");
  });
  it("parsePom: the project's own name, licences and parent, not its dependencies' or developers'", () => {
    const pom = parsePom(`<project><!-- <name>no</name> -->
      <parent><groupId>org.apache</groupId><artifactId>apache</artifactId><version>23</version><name>parent</name></parent>
      <name>Camel :: Timer</name><description>A timer
        source</description><url>https://camel.apache.org</url>
      <developers><developer><name>someone</name></developer></developers>
      <licenses><license><name>Apache License, Version 2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0</url></license></licenses>
      <dependencies><dependency><name>x</name></dependency></dependencies></project>`);
    expect(pom).toStrictEqual({
      licenses: [{ name: "Apache License, Version 2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" }],
      parent: { group: "org.apache", artifact: "apache", version: "23" },
      name: "Camel :: Timer",
      description: "A timer source",
      url: "https://camel.apache.org",
    });
  });
});

describe("proposeEntry (real loopback servers)", () => {
  let srv: LoopbackServer;
  let cacheDir: string;
  const http = () => new HttpClient({ allowInsecureLoopback: true, backoffMs: 5 });
  beforeEach(async () => {
    srv = await new LoopbackServer().start();
    cacheDir = await mkdtemp(join(tmpdir(), "kiln-add-"));
  });
  afterEach(async () => {
    await srv.stop();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("a fat package by URL: downloaded once, every own class with its type, licence from LICENSE.txt, bundled Kafka 2.6 jars an error", async () => {
    const tgz = await fatPluginTgz("2.6.0");
    srv.file("/acme-connector-1.0.0.tar.gz", tgz);
    const url = `${srv.url}/acme-connector-1.0.0.tar.gz`;
    const p = await proposeEntry({
      source: { kind: "url", url, type: "tgz", fileName: "acme-connector-1.0.0.tar.gz" },
      kafka: ">=4.2.0 <4.4.0",
      owners: ["platform-team"],
      resolve: { cacheDir, env: {}, http: http() },
    });
    expect(srv.count("/acme-connector-1.0.0.tar.gz")).toBe(1);
    expect(p.entry).toMatchObject({
      name: "acme",
      type: "both",
      version: "1.0.0",
      license: "Apache-2.0",
      kafka: ">=4.2.0 <4.4.0",
      artifacts: [{ type: "tgz", url, sha512: sha512(tgz) }],
    });
    expect(p.entry.classes).toStrictEqual([
      { class: "com.acme.connect.AcmeSourceConnector", type: "source" },
      { class: "com.acme.connect.AcmeSinkConnector", type: "sink" },
      { class: "io.registry.converter.AvroConverter", type: "converter" },
      { class: "io.registry.converter.ExtJsonConverter", type: "converter" },
      { class: "io.registry.converter.SchemaConverter", type: "converter" },
      { class: "io.registry.converter.ExtJsonConverter", type: "header-converter" },
      { class: "com.acme.connect.AbstractTransform$Value", type: "transform" },
    ]);
    expect(new Set(p.entry.classes.map((c) => `${c.class} ${c.type}`))).toStrictEqual(
      new Set(FAT_PLUGIN_CLASSES.map((c) => `${c.class} ${c.type}`)),
    );
    expect(p.licenseFrom).toBe("acme-connector/LICENSE.txt");
    expect(p.report.undeclared).toStrictEqual([]);
    expect(p.report.errors.map((e) => e.split(",")[0])).toStrictEqual([
      "acme-connector/connect-json-2.6.0.jar: a copy of Kafka 2.6.0's connect-json",
      "acme-connector/kafka-clients-2.6.0.jar: a copy of Kafka 2.6.0's kafka-clients",
    ]);
    // As written to the catalog (where artifact URLs are https), it reads back schema-valid and equal.
    const published = {
      ...p.entry,
      owners: ["platform-team"],
      artifacts: [
        {
          ...(p.entry.artifacts[0] as object),
          url: "https://plugins.example.com/acme-connector-1.0.0.tar.gz",
        },
      ],
    } as ConnectorPlugin;
    const yaml = entryYaml(published, "# yaml-language-server: $schema=x.json");
    expect(yaml.split("\n", 2)).toStrictEqual([
      "# yaml-language-server: $schema=x.json",
      "apiVersion: kiln.dev/v1",
    ]);
    expect(loadSpec<ConnectorPlugin>(yaml, "acme.yaml", "ConnectorPlugin").value).toStrictEqual(published);
  });

  it("with exclude, the same package has no bundled Kafka copies left", async () => {
    const tgz = await fatPluginTgz("2.6.0");
    srv.file("/acme-connector-1.0.0.tar.gz", tgz);
    const p = await proposeEntry({
      source: {
        kind: "url",
        url: `${srv.url}/acme-connector-1.0.0.tar.gz`,
        type: "tgz",
        fileName: "acme-connector-1.0.0.tar.gz",
      },
      kafka: ">=4.2.0 <4.4.0",
      exclude: ["connect-json-*.jar", "kafka-clients-*.jar", "slf4j-api-*.jar"],
      resolve: { cacheDir, env: {}, http: http() },
    });
    expect(p.report.errors).toStrictEqual([]);
    expect(p.report.bundledKafka).toStrictEqual([]);
    // ExtJsonConverter extends Kafka's JsonConverter, now the worker's own.
    expect(
      p.entry.classes.filter((c) => c.class.endsWith("ExtJsonConverter")).map((c) => c.type),
    ).toStrictEqual(["converter", "header-converter"]);
  });

  it("Maven coordinates through the configured repository: the licence from a parent POM, title and homepage from the POM", async () => {
    const jar = makeJar({
      classes: [{ name: "com.example.FooSink", super: "org.apache.kafka.connect.sink.SinkConnector" }],
    });
    const base = "/repo/com/example/foo-connector/1.0.0/foo-connector-1.0.0";
    srv
      .file(`${base}.jar`, jar)
      .file(`${base}.jar.sha1`, sha1(jar))
      .file(
        `${base}.pom`,
        "<project><parent><groupId>com.example</groupId><artifactId>parent</artifactId><version>7</version></parent><name>Foo sink</name><url>https://foo.example</url></project>",
      )
      .file(
        "/repo/com/example/parent/7/parent-7.pom",
        "<project><licenses><license><name>The MIT License</name></license></licenses></project>",
      );
    const p = await proposeEntry({
      source: {
        kind: "maven",
        group: "com.example",
        artifact: "foo-connector",
        version: "1.0.0",
        extension: "jar",
      },
      kafka: ">=4.2.0 <4.4.0",
      resolve: {
        cacheDir,
        env: {},
        http: http(),
        maven: { mirrors: [], servers: [], override: `${srv.url}/repo` },
      },
    });
    expect(p.entry).toMatchObject({
      name: "foo",
      title: "Foo sink",
      type: "sink",
      license: "MIT",
      homepage: "https://foo.example",
      classes: [{ class: "com.example.FooSink", type: "sink" }],
      artifacts: [
        {
          type: "maven",
          group: "com.example",
          artifact: "foo-connector",
          version: "1.0.0",
          sha512: sha512(jar),
        },
      ],
    });
    expect(p.licenseFrom).toBe("the POM of com.example:parent:7");
  });

  it("a GitHub release asset through the REST API, checksumSource saying where the sha512 came from (fake GitHub API)", async () => {
    const tgz = await fatPluginTgz("4.3.0");
    srv.route("/api/v3/repos/acme/connector/releases/tags/v1.0.0", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: 1,
          tag_name: "v1.0.0",
          assets: [
            {
              id: 9,
              name: "acme-connector-1.0.0.tar.gz",
              size: tgz.length,
              url: `${srv.url}/api/v3/repos/acme/connector/releases/assets/9`,
            },
          ],
        }),
      );
    });
    srv.file("/api/v3/repos/acme/connector/releases/assets/9", tgz);
    const p = await proposeEntry({
      source: parseAddSource("github:acme/connector@v1.0.0/acme-connector-1.0.0.tar.gz"),
      kafka: ">=4.2.0 <4.4.0",
      resolve: {
        cacheDir,
        env: { GITHUB_TOKEN: "ghs_x" },
        http: http(),
        github: { baseUrl: `${srv.url}/api/v3` },
      },
    });
    expect(p.entry).toMatchObject({
      name: "acme",
      version: "1.0.0",
      artifacts: [
        {
          type: "github-release",
          repository: "acme/connector",
          tag: "v1.0.0",
          asset: "acme-connector-1.0.0.tar.gz",
          checksumSource: "computed by kiln catalog add from the asset it downloaded",
          sha512: sha512(tgz),
        },
      ],
    });
    expect(srv.requests.find((r) => r.url.endsWith("/assets/9"))?.headers.authorization).toBe("Bearer ghs_x");
  });

  it("a jar with no plugin class says so, and what to try", async () => {
    srv.file("/lib-1.0.jar", makeJar({ classes: [{ name: "com.example.Util" }] }));
    await expect(
      proposeEntry({
        source: { kind: "url", url: `${srv.url}/lib-1.0.jar`, type: "jar", fileName: "lib-1.0.jar" },
        kafka: ">=4.2.0 <4.4.0",
        resolve: { cacheDir, env: {}, http: http() },
      }),
    ).rejects.toThrow(/^no Kafka Connect plugin class in 1 jar of this source: .* needs --transitive$/);
  });
});
