import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadCatalog, type SourceFile } from "./index.js";

const fixtures = new URL("../fixtures/", import.meta.url).pathname;
const policy: SourceFile = {
  file: "license-policy.yaml",
  text: readFileSync(join(fixtures, "../license-policy.yaml"), "utf8"),
};
const read = (dir: string, name: string): SourceFile => ({
  file: name,
  text: readFileSync(join(fixtures, dir, name), "utf8"),
});

/** Each invalid file, where its one finding points (line:column JSON-path) and what it says. */
const corpus: Array<[file: string, location: string, message: string]> = [
  [
    "01-malformed-yaml.yaml",
    "11:1",
    "invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  ],
  ["02-wrong-type.yaml", "10:9 owners", '`owners` must be a list, not "platform-team"'],
  ["03-unknown-field.yaml", "5:1 maintainer", "unknown field `maintainer`"],
  ["04-unknown-artifact-field.yaml", "19:5 artifacts[0].checksum", "unknown field `artifacts[0].checksum`"],
  [
    "05-short-sha512.yaml",
    "19:13 artifacts[0].sha512",
    '`artifacts[0].sha512` must be 128 lower-case hex characters (a SHA-512 digest), not "abc123"',
  ],
  [
    "06-uppercase-sha512.yaml",
    "19:13 artifacts[0].sha512",
    '`artifacts[0].sha512` must be 128 lower-case hex characters (a SHA-512 digest), not "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…"',
  ],
  [
    "07-http-url.yaml",
    "16:10 artifacts[0].url",
    '`artifacts[0].url` must be an https:// URL, not "http://example.com/example.jar"',
  ],
  [
    "08-billion-laughs.yaml",
    "",
    "too many alias expansions (possible billion-laughs attack); expand the aliases by hand",
  ],
  ["09-duplicate-key.yaml", "8:1", "duplicate key: each key may appear only once in a mapping"],
  ["10-empty.yaml", "", "file is empty"],
  ["11-comments-only.yaml", "", "file is empty"],
  [
    "12-bad-kafka-range.yaml",
    "9:8 kafka",
    'kafka "around 4" is not a valid semver range (e.g. ">=3.9.0 <5.0.0")',
  ],
  [
    "13-unknown-license.yaml",
    "7:10 license",
    'licence SSPL-1.0 is not in the licence policy; add it to allow (OSI-approved) or add an exception for "unknown-license" with a reason',
  ],
  ["14-missing-title.yaml", "1:1 (root)", "the document is missing the required field `title`"],
  ["15-wrong-kind.yaml", "2:7 kind", '`kind` must be "ConnectorPlugin", not "Plugin"'],
  ["16-missing-kind.yaml", "1:1 (root)", "the document is missing the required field `kind`"],
  ["17-wrong-api-version.yaml", "1:13 apiVersion", '`apiVersion` must be "kiln.dev/v1", not "kiln.dev/v2"'],
  [
    "18-bad-type-enum.yaml",
    "5:7 type",
    '`type` must be one of "source", "sink", "both", "other", not "sorce"',
  ],
  [
    "19-uppercase-name.yaml",
    "3:7 name",
    "`name` must be lower-case letters, digits and '-', starting and ending with a letter or digit (at most 63 characters), not \"Uppercase-Name\"",
  ],
  [
    "20-bad-class-name.yaml",
    "12:12 classes[0].class",
    '`classes[0].class` must be a fully qualified Java class name, not "ExampleSourceConnector"',
  ],
  [
    "21-bad-class-type.yaml",
    "13:11 classes[0].type",
    '`classes[0].type` must be one of "source", "sink", "converter", "header-converter", "transform", "predicate", "config-provider", not "connector"',
  ],
  [
    "22-maven-missing-sha512.yaml",
    "15:5 artifacts[0]",
    "`artifacts[0]` is missing the required field `sha512`",
  ],
  ["23-github-missing-tag.yaml", "15:5 artifacts[0]", "`artifacts[0]` is missing the required field `tag`"],
  ["24-empty-artifacts.yaml", "14:12 artifacts", "`artifacts` must have at least 1 item"],
  [
    "25-unknown-artifact-type.yaml",
    "15:11 artifacts[0].type",
    '`artifacts[0].type` must be one of "maven", "jar", "tgz", "zip", "other", "github-release", not "rpm"',
  ],
  [
    "26-unparseable-version.yaml",
    "6:10 version",
    'version "latest" is neither semver nor a Maven-style version such as 3.3.1.Final',
  ],
  ["27-multiple-documents.yaml", "21:1", "file holds more than one YAML document; put one per file"],
  ["28-tab-indent.yaml", "12:1", "invalid YAML: Tabs are not allowed as indentation"],
  ["29-root-is-list.yaml", "1:1 (root)", "the document must be a mapping, not a list"],
  [
    "30-example-class-unknown.yaml",
    "21:10 example.class",
    "example class com.example.Other is not one of the entry's classes",
  ],
  [
    "31-bad-homepage-url.yaml",
    "8:11 homepage",
    '`homepage` must be a valid absolute URL, not "https://exa mple.com/"',
  ],
  [
    "32-bad-maven-extension.yaml",
    "19:16 artifacts[0].extension",
    '`artifacts[0].extension` must be one of "jar", "tar.gz", "tgz", "zip", not "war"',
  ],
  ["33-empty-owners.yaml", "10:9 owners", "`owners` must have at least 1 item"],
  [
    "34-duplicate-owners.yaml",
    "10:16 owners[2]",
    "`owners` must not repeat items: items 0 and 2 are the same",
  ],
  [
    "35-http-maven-repository.yaml",
    "19:17 artifacts[0].repository",
    '`artifacts[0].repository` must be an https:// URL, not "http://nexus.example.com/repository/mave…"',
  ],
  ["36-scalar-document.yaml", "1:1 (root)", 'the document must be a mapping, not "just a string"'],
  [
    "37-number-config-example.yaml",
    '23:16 example.config["tasks.max"]',
    '`example.config["tasks.max"]` must be a string, not number 1; quote the value so YAML reads it as text',
  ],
  [
    "38-github-without-checksum-source.yaml",
    "15:5 artifacts[0]",
    "`artifacts[0]` is missing the required field `checksumSource`",
  ],
  [
    "39-artifact-url-with-password.yaml",
    "16:10 artifacts[0].url",
    '`artifacts[0].url` writes a credential into a URL ("https://deploy:***@nexus.example.com/rep…"); credentials belong in a Secret or an environment variable, referenced by a placeholder such as ${file:/path:key}',
  ],
  [
    "40-github-asset-path.yaml",
    "18:12 artifacts[0].asset",
    "`artifacts[0].asset` must be a plain file name (letters, digits, '.', '_', '+', '-'), not \"../../example.zip\"",
  ],
  [
    "41-type-does-not-match-classes.yaml",
    "5:7 type",
    'type "source" does not match the classes: its connector classes are com.example.connect.ExampleSinkConnector (sink); the type must be "sink"',
  ],
];

describe("invalid catalog corpus", () => {
  test("covers every file in fixtures/invalid", () => {
    expect(readdirSync(join(fixtures, "invalid")).sort()).toEqual(corpus.map(([f]) => f));
  });

  test.each(corpus)("%s → %s %s", (file, location, message) => {
    const result = loadCatalog([read("invalid", file)], policy);
    expect(result.catalog).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    // A value a finding points at is never echoed when it holds a secret.
    expect(JSON.stringify(result.diagnostics)).not.toContain("hunter2");
    const [d] = result.diagnostics;
    const loc = d?.location;
    const at = [loc?.line !== undefined ? `${loc.line}:${loc.column}` : "", loc?.path ?? ""].join(" ").trim();
    expect({ file: loc?.file, at, message: d?.message, severity: d?.severity }).toEqual({
      file,
      at: location,
      message,
      severity: "error",
    });
  });

  test("a file over the size limit is refused before parsing", () => {
    const huge: SourceFile = { file: "huge.yaml", text: `description: "${"x".repeat(1024 * 1024)}"\n` };
    const [d] = loadCatalog([huge], policy).diagnostics;
    expect(d?.message).toBe("file is 1048592 bytes; the limit is 1048576 bytes");
  });

  test("names and classes must be unique across entries", () => {
    const files = ["a.yaml", "b.yaml", "c.yaml"].map((f) => read("duplicates", f));
    const result = loadCatalog(files, policy);
    expect(result.catalog).toBeUndefined();
    expect(
      result.diagnostics.map((d) => [
        d.location.file,
        `${d.location.line}:${d.location.column}`,
        d.location.path,
        d.message,
      ]),
    ).toEqual([
      ["b.yaml", "3:7", "name", 'entry name "same-name" is already used by a.yaml'],
      [
        "c.yaml",
        "12:12",
        "classes[0].class",
        'class com.example.connect.ExampleSourceConnector is also provided by "same-name" (a.yaml)',
      ],
    ]);
  });
});
