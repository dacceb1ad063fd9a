import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectorPlugin, loadSpec } from "@kiln/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpClient } from "../resolve/http.js";
import { makeJar, sha1, sha512 } from "../testing/archives.js";
import { LoopbackServer } from "../testing/server.js";
import { bumpEntry, ClassesChangedError } from "./bump.js";
import { applyEntryChanges } from "./edit.js";
import { findUpdates, metadataVersions } from "./outdated.js";
import { isNewer } from "./versions.js";

const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
const TRANSFORM = "org.apache.kafka.connect.transforms.Transformation";
const jars: Record<string, Buffer> = {
  "1.0.0": makeJar({ classes: [{ name: "com.example.FooSource", super: SOURCE }] }),
  "1.1.0": makeJar({
    classes: [{ name: "com.example.FooSource", super: SOURCE }, { name: "com.example.Helper" }],
  }),
  "1.2.0.Beta1": makeJar({
    classes: [
      { name: "com.example.FooSource", super: SOURCE },
      { name: "com.example.Unwrap", interfaces: [TRANSFORM] },
    ],
  }),
};

const text = `# yaml-language-server: $schema=x.json
apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: foo
title: Foo
type: source
version: "1.0.0"  # as published
license: Apache-2.0
kafka: ">=4.2.0 <4.4.0"
owners: [team]
classes:
  - class: com.example.FooSource
    type: source
artifacts:
  - type: maven
    group: com.example
    artifact: foo
    version: "1.0.0"
    sha512: ${sha512(jars["1.0.0"] as Buffer)}
`;
const entry = loadSpec<ConnectorPlugin>(text, "foo.yaml", "ConnectorPlugin").value;

let srv: LoopbackServer;
let cacheDir: string;
const resolve = () => ({
  cacheDir,
  env: {},
  http: new HttpClient({ allowInsecureLoopback: true, backoffMs: 5 }),
  maven: { mirrors: [], servers: [], override: `${srv.url}/repo` },
});

beforeAll(async () => {
  srv = await new LoopbackServer().start();
  cacheDir = await mkdtemp(join(tmpdir(), "kiln-updates-"));
  const dir = "/repo/com/example/foo";
  srv.file(
    `${dir}/maven-metadata.xml`,
    "<metadata><versioning><versions><version>0.9.0</version><version>1.0.0</version><version>1.1.0</version><version>1.2.0.Beta1</version><version>1.3.0</version></versions></versioning></metadata>",
  );
  for (const [v, jar] of Object.entries(jars))
    srv.file(`${dir}/${v}/foo-${v}.jar`, jar).file(`${dir}/${v}/foo-${v}.jar.sha1`, sha1(jar));
});
afterAll(async () => {
  await srv.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("versions", () => {
  it.each([
    ["1.1.0", "1.0.0", false, true],
    ["3.7.0.Final", "3.6.3.Final", false, true],
    ["3.7.0.CR1", "3.6.3.Final", false, false],
    ["3.7.0.CR1", "3.6.3.Final", true, true],
    ["3.6.3.Final", "3.6.3.Final", false, false],
    ["not-a-version", "1.0.0", true, false],
  ])("%s newer than %s (pre %s): %s", (candidate, current, pre, newer) => {
    expect(isNewer(candidate, current, pre)).toBe(newer);
  });
  it("reads versions from maven-metadata.xml", () => {
    expect(
      metadataVersions("<versions>\n <version>1.0</version><version> 2.0 </version></versions>"),
    ).toEqual(["1.0", "2.0"]);
  });
});

describe("findUpdates (loopback Maven repository)", () => {
  it("the newest release that is served; pre-releases only when asked; other sources named as unchecked", async () => {
    const url = {
      ...entry,
      name: "bar",
      artifacts: [{ type: "jar" as const, url: "https://x.example/bar-1.0.0.jar", sha512: "a".repeat(128) }],
    };
    const gh = {
      ...entry,
      name: "baz",
      artifacts: [
        {
          type: "github-release" as const,
          repository: "acme/baz",
          tag: "v1.0.0",
          asset: "baz-1.0.0.jar",
          checksumSource: "the release's SHA512SUMS",
          sha512: "a".repeat(128),
        },
      ],
    };
    const report = await findUpdates([entry, url, gh], { resolve: resolve() });
    expect(report).toEqual({
      updates: [
        {
          name: "foo",
          current: "1.0.0",
          latest: "1.1.0",
          newer: ["1.3.0", "1.1.0"],
          source: "maven",
          note: "1.3.0 listed, but the repository serves no .sha1 for foo-1.3.0.jar (kiln verifies every download against it)",
        },
      ],
      unchecked: [
        { name: "bar", reason: "an https URL: nothing lists its releases" },
        { name: "baz", reason: "a GitHub release: set GITHUB_TOKEN to check for newer releases" },
      ],
      current: [],
    });
    const pre = await findUpdates([entry], { pre: true, resolve: resolve() });
    expect(pre.updates[0]).toMatchObject({ latest: "1.2.0.Beta1", newer: ["1.3.0", "1.2.0.Beta1", "1.1.0"] });
    const latest = await findUpdates(
      [
        {
          ...entry,
          version: "1.3.0",
          artifacts: [{ ...(entry.artifacts[0] as object), version: "1.3.0" } as never],
        },
      ],
      { resolve: resolve() },
    );
    expect(latest.current).toEqual(["foo"]);
  });
});

describe("findUpdates on GitHub releases (fake GitHub API)", () => {
  const baz = (repository: string) =>
    ({
      ...entry,
      name: "baz",
      artifacts: [
        {
          type: "github-release",
          repository,
          tag: "v1.0.0",
          asset: "baz-1.0.0.jar",
          checksumSource: "the release's SHA512SUMS",
          sha512: "a".repeat(128),
        },
      ],
    }) as ConnectorPlugin;
  const release = (tag: string, asset: string | undefined, flags: object = {}) => ({
    id: tag.length,
    tag_name: tag,
    draft: false,
    prerelease: false,
    ...flags,
    assets: asset ? [{ id: 1, name: asset }] : [],
  });
  const github = (token: string) => ({
    ...resolve(),
    env: { GITHUB_TOKEN: token },
    github: { baseUrl: `${srv.url}/api/v3` },
  });

  it("the newest release with an asset named like the entry's; drafts skipped, pre-releases only when asked", async () => {
    srv.route("/api/v3/repos/acme/baz/releases", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify([
          release("v1.4.0", "baz-1.4.0.jar", { draft: true }),
          release("v1.3.0", "baz-1.3.0-sources.jar"),
          release("v1.2.0-rc1", "baz-1.2.0-rc1.jar", { prerelease: true }),
          release("v1.1.0", "baz-1.1.0.jar"),
          release("v1.0.0", "baz-1.0.0.jar"),
        ]),
      );
    });
    const report = await findUpdates([baz("acme/baz")], { resolve: github("ghs_outdated") });
    expect(report.updates).toEqual([
      {
        name: "baz",
        current: "1.0.0",
        latest: "1.1.0",
        newer: ["1.3.0", "1.1.0"],
        source: "github-release",
        note: "1.3.0 released without an asset named like baz-1.0.0.jar",
      },
    ]);
    expect(srv.requests.at(-1)?.headers.authorization).toBe("token ghs_outdated");
    const pre = await findUpdates([baz("acme/baz")], { pre: true, resolve: github("ghs_outdated") });
    expect(pre.updates[0]).toMatchObject({ latest: "1.2.0-rc1", newer: ["1.3.0", "1.2.0-rc1", "1.1.0"] });
  });

  it("a repository GitHub does not show is a located error, not a crash", async () => {
    await expect(findUpdates([baz("acme/gone")], { resolve: github("ghs_outdated") })).rejects.toMatchObject({
      userMessage: "GitHub repository acme/gone not found (or GITHUB_TOKEN cannot see it)",
      location: { url: `${srv.url}/api/v3/repos/acme/gone/releases` },
    });
  });
});

describe("bumpEntry and applyEntryChanges (loopback Maven repository)", () => {
  it("moves version and artifact, computes the sha512, and keeps the file's comments and quotes", async () => {
    const bump = await bumpEntry(entry, "1.1.0", { resolve: resolve() });
    expect(bump.after.artifacts[0]).toEqual({
      ...entry.artifacts[0],
      version: "1.1.0",
      sha512: sha512(jars["1.1.0"] as Buffer),
    });
    expect(bump.changes).toEqual([
      "version: 1.0.0 → 1.1.0",
      `artifacts[0]: com.example:foo:1.0.0 → com.example:foo:1.1.0, sha512 ${sha512(jars["1.1.0"] as Buffer).slice(0, 16)}…`,
      "classes: the same 1",
    ]);
    const edited = applyEntryChanges(text, bump.before, bump.after);
    expect(edited).toBe(
      text
        .replace('version: "1.0.0"  # as published', 'version: "1.1.0" # as published')
        .replace('    version: "1.0.0"', '    version: "1.1.0"')
        .replace(sha512(jars["1.0.0"] as Buffer), sha512(jars["1.1.0"] as Buffer)),
    );
    expect(loadSpec<ConnectorPlugin>(edited, "foo.yaml", "ConnectorPlugin").value).toEqual(bump.after);
  });

  it("classes that appear or vanish stop the bump, listed; --classes takes the new list", async () => {
    const err = await bumpEntry(entry, "1.2.0.Beta1", { resolve: resolve() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClassesChangedError);
    expect((err as ClassesChangedError).userMessage).toBe(
      "foo 1.2.0.Beta1 does not provide the classes the entry declares: appeared: com.example.Unwrap (transform). Review them (connectors using a vanished class break), then rerun with --classes to take the new list",
    );
    const taken = await bumpEntry(entry, "1.2.0.Beta1", { acceptClasses: true, resolve: resolve() });
    expect(taken.after.classes).toEqual([
      { class: "com.example.FooSource", type: "source" },
      { class: "com.example.Unwrap", type: "transform" },
    ]);
    expect(taken.changes.at(-1)).toBe("classes: + com.example.Unwrap (transform)");
  });
});
