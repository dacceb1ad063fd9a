import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectorPlugin } from "@kiln/schemas";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { lieAboutSizes, makeJar, makeZip } from "../testing/archives.js";
import { FAT_PLUGIN_CLASSES, fatPluginJars } from "../testing/fat-plugin.js";

import { crossPluginWarnings, inspectPlugin, parseServiceFile, readJar } from "./inspect.js";

const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
const CONVERTER = "org.apache.kafka.connect.storage.Converter";
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-inspect-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entry(classes: ConnectorPlugin["classes"], name = "foo", kafka = ">=3.9.0"): ConnectorPlugin {
  return {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name,
    title: name,
    type: "source",
    version: "1.0.0",
    license: "Apache-2.0",
    kafka,
    owners: ["t"],
    classes,
    artifacts: [{ type: "jar", url: "https://example.com/x.jar", sha512: "a".repeat(128) }],
  };
}

async function plugin(files: Record<string, Buffer | string>, name = "foo"): Promise<string> {
  const root = join(dir, name);
  for (const [path, data] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), data);
  }
  return root;
}

describe("readJar", () => {
  it("lists classes and service registrations from the central directory", async () => {
    const p = await plugin({
      "a.jar": makeJar({
        classes: ["com.x.A", "com.x.B$Inner"],
        services: { [SOURCE]: ["com.x.A"], "java.sql.Driver": ["com.x.B"] },
      }),
    });
    const jar = await readJar(join(p, "a.jar"));
    expect([...jar.classes].sort()).toStrictEqual(["com.x.A", "com.x.B$Inner"]);
    expect(jar.services).toStrictEqual([{ class: "com.x.A", type: "source" }]);
  });

  it("parses service files with comments and blank lines", () => {
    expect(parseServiceFile("# c\n\ncom.x.A  # trailing\r\ncom.x.B\n")).toStrictEqual(["com.x.A", "com.x.B"]);
  });
});

describe("inspectPlugin", () => {
  it("reports a clean plugin ready for service_load", async () => {
    const p = await plugin({
      "lib/foo-1.0.jar": makeJar({
        classes: ["com.x.FooSource"],
        services: { [SOURCE]: ["com.x.FooSource"] },
      }),
      "lib/dep-2.0.jar": makeJar({ classes: ["com.y.Dep"] }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.errors).toStrictEqual([]);
    expect(r.warnings).toStrictEqual([]);
    expect(r.serviceLoad).toBe(true);
    expect(r.declared).toStrictEqual([
      { class: "com.x.FooSource", type: "source", jar: "lib/foo-1.0.jar", serviceManifest: true },
    ]);
    expect(r.jars.map((j) => [j.path, j.artifact, j.version])).toStrictEqual([
      ["lib/dep-2.0.jar", "dep", "2.0"],
      ["lib/foo-1.0.jar", "foo", "1.0"],
    ]);
  });

  it("errors on a declared connector class that is absent", async () => {
    const p = await plugin({ "foo-1.0.jar": makeJar({ classes: ["com.x.Other"] }) });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.errors).toStrictEqual(["declared source class com.x.FooSource is not in any jar of the plugin"]);
    expect(r.serviceLoad).toBe(false);
  });

  it("warns when a class exists but has no manifest entry (not service_load ready)", async () => {
    const p = await plugin({ "foo-1.0.jar": makeJar({ classes: ["com.x.FooSource"] }) });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.errors).toStrictEqual([]);
    expect(r.serviceLoad).toBe(false);
    expect(r.warnings[0]).toMatch(
      /not registered as a source in META-INF\/services: plugin.discovery=service_load will not find it/,
    );
  });

  it("errors on a manifest naming a class no jar has", async () => {
    const p = await plugin({
      "foo-1.0.jar": makeJar({ classes: [], services: { [CONVERTER]: ["com.x.Gone"] } }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.Gone", type: "converter" }]), p);
    expect(r.errors).toContain(
      "foo-1.0.jar registers com.x.Gone as a converter, but no jar in the plugin has that class",
    );
  });

  it("errors on a jar that is not a zip", async () => {
    const p = await plugin({
      "broken-1.0.jar": "this is not a zip file at all",
      "foo-1.0.jar": makeJar({ classes: ["com.x.FooSource"] }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^broken-1.0.jar: is not a zip file/);
  });

  it("reports hostile jars instead of failing or reading them whole", async () => {
    const ok = makeJar({ classes: ["com.x.FooSource"], services: { [SOURCE]: ["com.x.FooSource"] } });
    const huge = makeJar({ services: { [SOURCE]: Array(120_000).fill("com.x.FooSource") } });
    const p = await plugin({
      "foo-1.0.jar": ok,
      "lies-1.0.jar": lieAboutSizes(makeJar({ services: { [SOURCE]: ["com.x.A"] } }), 100_000),
      "short-1.0.jar": lieAboutSizes(makeJar({ services: { [SOURCE]: ["com.x.A"] } }), -5),
      "climbs-1.0.jar": makeZip([{ name: "../../evil.class", data: "x" }]),
      "huge-services-1.0.jar": huge,
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.errors.map((e) => e.replace(/\. (expected|got).*$/, ""))).toStrictEqual([
      "climbs-1.0.jar: cannot be read as a jar: invalid relative path: ../../evil.class",
      `huge-services-1.0.jar: cannot be read as a jar: META-INF/services/${SOURCE} is larger than 1048576 bytes`,
      `lies-1.0.jar: cannot be read as a jar: META-INF/services/${SOURCE} holds 20 bytes, not the 100020 its header says`,
      `short-1.0.jar: cannot be read as a jar: META-INF/services/${SOURCE} holds 20 bytes, not the 15 its header says`,
    ]);
  });

  it("warns about jars Kafka ships and duplicate libraries", async () => {
    const p = await plugin({
      "foo-1.0.jar": makeJar({ classes: ["com.x.FooSource"], services: { [SOURCE]: ["com.x.FooSource"] } }),
      "kafka-clients-4.3.1.jar": makeJar({ classes: ["org.apache.kafka.clients.Foo"] }),
      "guava-32.0.jar": makeJar({ classes: ["g.A"] }),
      "sub/guava-33.0.jar": makeJar({ classes: ["g.A"] }),
      "netty-epoll-4.1.1.Final-linux-x86_64.jar": makeJar({}),
      "netty-epoll-4.1.1.Final-linux-aarch_64.jar": makeJar({}),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.warnings).toStrictEqual([
      "guava appears in 2 versions: guava-32.0.jar, sub/guava-33.0.jar",
      'kafka-clients-4.3.1.jar: a copy of Kafka 4.3.1\'s kafka-clients, which Connect never loads from a plugin (it takes these classes from the worker): dead weight; `exclude: ["kafka-clients-*.jar"]` on its artifact leaves it out',
    ]);
  });

  it("warns across plugins: one class in two plugins, one library in two versions", async () => {
    const a = await plugin(
      {
        "foo-1.0.jar": makeJar({ classes: ["com.x.FooSource"], services: { [SOURCE]: ["com.x.FooSource"] } }),
        "lib-1.0.jar": makeJar({}),
      },
      "a",
    );
    const b = await plugin(
      {
        "foo-1.1.jar": makeJar({ classes: ["com.x.FooSource"], services: { [SOURCE]: ["com.x.FooSource"] } }),
        "lib-1.0.jar": makeJar({}),
      },
      "b",
    );
    const decl = [{ class: "com.x.FooSource", type: "source" as const }];
    const reports = [await inspectPlugin(entry(decl, "a"), a), await inspectPlugin(entry(decl, "b"), b)];
    expect(crossPluginWarnings(reports)).toStrictEqual([
      "com.x.FooSource is provided by 2 plugins (a, b): configs naming it get whichever Connect finds",
      "foo comes in different versions across plugins: 1.0 (a), 1.1 (b)",
    ]);
  });
});

describe("inspectPlugin: exactly the classes the plugin provides, with their real types", () => {
  const SINK = "org.apache.kafka.connect.sink.SinkConnector";

  it("finds plugin classes by their class hierarchy, across jars, without service manifests", async () => {
    const p = await plugin({
      "base-1.0.jar": makeJar({
        classes: [{ name: "com.x.BaseConverter", interfaces: [CONVERTER], access: 0x0421 }],
      }),
      "foo-1.0.jar": makeJar({
        classes: [
          { name: "com.x.FooSource", super: SOURCE },
          { name: "com.x.AvroConverter", super: "com.x.BaseConverter" },
          { name: "com.x.Hidden", super: SOURCE, access: 0x0020 },
          { name: "com.x.Helper" },
        ],
      }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSource", type: "source" }]), p);
    expect(r.provided).toStrictEqual([
      {
        class: "com.x.AvroConverter",
        type: "converter",
        jar: "foo-1.0.jar",
        manifest: false,
        bundledKafka: false,
      },
      { class: "com.x.FooSource", type: "source", jar: "foo-1.0.jar", manifest: false, bundledKafka: false },
    ]);
    expect(r.undeclared.map((u) => `${u.class} ${u.type}`)).toStrictEqual(["com.x.AvroConverter converter"]);
    expect(r.errors).toStrictEqual([
      "the plugin provides 1 class the entry does not declare (Connect lists each of them; an entry declares exactly what its plugin provides): com.x.AvroConverter (converter). Add to classes:\n  - class: com.x.AvroConverter\n    type: converter",
    ]);
  });

  it("a class declared with the wrong type is an error naming its real type", async () => {
    const p = await plugin({
      "foo-1.0.jar": makeJar({ classes: [{ name: "com.x.FooSink", super: SINK }] }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.FooSink", type: "source" }]), p);
    expect(r.errors).toContain(
      "com.x.FooSink is declared as a source, but it is a sink (its supertypes and service manifests say so): declare it as type sink",
    );
  });

  it("a declared abstract class is an error: Connect cannot instantiate it", async () => {
    const p = await plugin({
      "foo-1.0.jar": makeJar({ classes: [{ name: "com.x.Base", super: SOURCE, access: 0x0421 }] }),
    });
    const r = await inspectPlugin(entry([{ class: "com.x.Base", type: "source" }]), p);
    expect(r.errors).toStrictEqual([
      "declared source class com.x.Base is abstract, an interface or not public: Connect cannot instantiate it",
    ]);
  });

  it("a fat package: every own class found, bundled Kafka 2.6 jars an error with the fix", async () => {
    const p = await plugin(fatPluginJars("2.6.0"));
    const r = await inspectPlugin(entry([...FAT_PLUGIN_CLASSES], "fat", ">=4.2.0 <4.4.0"), p);
    expect(r.undeclared).toStrictEqual([]);
    expect(
      r.provided.filter((x) => x.bundledKafka).map((x) => `${x.class} ${x.type} ${x.manifest}`),
    ).toStrictEqual([
      "org.apache.kafka.common.config.provider.FileConfigProvider config-provider true",
      "org.apache.kafka.connect.json.JsonConverter converter true",
      "org.apache.kafka.connect.json.JsonConverter header-converter true",
    ]);
    expect(r.bundledKafka.map((b) => [b.path, b.otherMajor, b.isolated.length])).toStrictEqual([
      ["connect-json-2.6.0.jar", true, 2],
      ["kafka-clients-2.6.0.jar", true, 1],
      ["slf4j-api-1.7.30.jar", false, 0],
    ]);
    expect(r.errors).toStrictEqual([
      "connect-json-2.6.0.jar: a copy of Kafka 2.6.0's connect-json, from another major version of Kafka than the entry claims (kafka \">=4.2.0 <4.4.0\"): Connect loads 2 of its classes (org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.json.JsonDeserializer) from this copy before the worker's own (plugin isolation), where they run against the worker's Kafka classes and fail (NoSuchMethodError, NoClassDefFoundError: Kafka removes deprecated APIs at major versions). Fix: pin a release of the plugin built for the Kafka lines you claim, or leave the jar out with `exclude: [\"connect-json-*.jar\"]` on its artifact (the worker's own copy is then used)",
      "kafka-clients-2.6.0.jar: a copy of Kafka 2.6.0's kafka-clients, from another major version of Kafka than the entry claims (kafka \">=4.2.0 <4.4.0\"): Connect loads 1 of its classes (org.apache.kafka.common.config.provider.FileConfigProvider) from this copy before the worker's own (plugin isolation), where they run against the worker's Kafka classes and fail (NoSuchMethodError, NoClassDefFoundError: Kafka removes deprecated APIs at major versions). Fix: pin a release of the plugin built for the Kafka lines you claim, or leave the jar out with `exclude: [\"kafka-clients-*.jar\"]` on its artifact (the worker's own copy is then used)",
    ]);
    expect(r.warnings.at(-1)).toBe(
      'slf4j-api-1.7.30.jar: a copy of 1.7.30\'s slf4j-api, which Connect never loads from a plugin (it takes org.slf4j from the worker): dead weight; `exclude: ["slf4j-api-*.jar"]` on its artifact leaves it out',
    );
  });

  it("bundled Kafka jars of another minor line of the same major, or of a claimed line, are warnings", async () => {
    const other = await inspectPlugin(
      entry([...FAT_PLUGIN_CLASSES], "fat", ">=4.2.0 <4.4.0"),
      await plugin(fatPluginJars("4.1.1"), "fat41"),
    );
    expect(other.errors).toStrictEqual([]);
    expect(other.warnings.filter((w) => w.includes("from another Kafka line"))).toHaveLength(2);
    const same = await inspectPlugin(
      entry([...FAT_PLUGIN_CLASSES], "fat", ">=4.2.0 <4.4.0"),
      await plugin(fatPluginJars("4.3.0"), "fat43"),
    );
    expect(same.errors).toStrictEqual([]);
    expect(same.warnings.find((w) => w.startsWith("connect-json"))).toMatch(
      /^connect-json-4\.3\.0\.jar: a copy of Kafka 4\.3\.0's connect-json: Connect loads 2 of its classes/,
    );
  });
});
