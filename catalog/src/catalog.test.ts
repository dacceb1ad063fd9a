import { describe, expect, test } from "vitest";
import { loadCatalog, type SourceFile } from "./index.js";

const policy: SourceFile = {
  file: "license-policy.yaml",
  text: `apiVersion: kiln.dev/v1
kind: LicensePolicy
allow: [Apache-2.0]
exceptions:
  - entry: proprietary-sink
    license: LicenseRef-Vendor
    reason: bought under the vendor's enterprise agreement
`,
};

function entry(name: string, type: string, kafka: string, cls: string, license = "Apache-2.0"): SourceFile {
  return {
    file: `${name}.yaml`,
    text: `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: ${name}
title: ${name}
type: ${type}
version: 1.0.0.Final
license: ${license}
kafka: "${kafka}"
owners: [team]
classes: ${type === "both" ? `[{ class: ${cls}, type: source }, { class: ${cls}Sink, type: sink }]` : `[{ class: ${cls}, type: ${type} }]`}
artifacts:
  - { type: jar, url: "https://example.com/${name}.jar", sha512: "${"0".repeat(128)}" }
`,
  };
}

const files = [
  entry("pg-source", "source", ">=3.9.0 <5.0.0", "io.example.PgSource"),
  entry("jdbc-sink", "sink", ">=4.2.0 <5.0.0", "io.example.JdbcSink"),
  entry("file", "both", ">=4.3.0 <4.4.0", "io.example.File"),
  entry("proprietary-sink", "sink", ">=4.0.0", "io.example.Vendor", "LicenseRef-Vendor"),
];

describe("Catalog", () => {
  const { catalog, diagnostics } = loadCatalog(files, policy);

  test("loads a valid catalog, with a licence exception honoured", () => {
    expect(diagnostics).toEqual([]);
    expect(catalog?.entries.map((e) => e.entry.name)).toEqual([
      "file",
      "jdbc-sink",
      "pg-source",
      "proprietary-sink",
    ]);
  });

  test.each([
    [{}, ["file", "jdbc-sink", "pg-source", "proprietary-sink"]],
    [{ type: "source" as const }, ["file", "pg-source"]],
    [{ type: "sink" as const }, ["file", "jdbc-sink", "proprietary-sink"]],
    [{ type: "both" as const }, ["file"]],
    [{ kafka: "4.2" }, ["jdbc-sink", "pg-source", "proprietary-sink"]],
    [{ kafka: "4.3.1" }, ["file", "jdbc-sink", "pg-source", "proprietary-sink"]],
    [{ kafka: "3.9", type: "source" as const }, ["pg-source"]],
    [{ class: "io.example.JdbcSink" }, ["jdbc-sink"]],
  ])("query %j", (q, names) => {
    expect(catalog?.query(q).map((e) => e.name)).toEqual(names);
  });

  test("indexes by name and class", () => {
    expect(catalog?.get("jdbc-sink")?.title).toBe("jdbc-sink");
    expect(catalog?.byClass("io.example.PgSource")?.name).toBe("pg-source");
    expect(catalog?.get("nope")).toBeUndefined();
    expect(catalog?.fileOf("file")).toBe("file.yaml");
  });

  test("an exception covers only the entry it names", () => {
    const other = entry("other-vendor", "sink", ">=4.0.0", "io.example.Other", "LicenseRef-Vendor");
    const result = loadCatalog([...files, other], policy);
    expect(result.catalog).toBeUndefined();
    expect(result.diagnostics.map((d) => `${d.location.file} ${d.code}`)).toEqual([
      "other-vendor.yaml license-not-allowed",
    ]);
  });

  test("an invalid policy file fails the catalog", () => {
    const result = loadCatalog(files, {
      file: "p.yaml",
      text: "apiVersion: kiln.dev/v1\nkind: LicensePolicy\n",
    });
    expect(result.catalog).toBeUndefined();
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      "the document is missing the required field `allow`",
    ]);
  });

  test("a transform or converter may come with several plugins; a connector class may not", () => {
    const withTransform = (name: string, connector: string): SourceFile => ({
      file: `${name}.yaml`,
      text: `${entry(name, "source", ">=4.2.0", connector).text.replace(
        /^classes: .*$/m,
        `classes: [{ class: ${connector}, type: source }, { class: io.example.Unwrap, type: transform }]`,
      )}`,
    });
    const both = loadCatalog(
      [withTransform("pg", "io.example.Pg"), withTransform("my", "io.example.My")],
      policy,
    );
    expect(both.diagnostics).toEqual([]);
    const clash = loadCatalog(
      [withTransform("pg", "io.example.Pg"), withTransform("my", "io.example.Pg")],
      policy,
    );
    expect(clash.diagnostics.map((d) => d.message)).toEqual([
      'class io.example.Pg is also provided by "pg" (pg.yaml)',
    ]);
  });
});
