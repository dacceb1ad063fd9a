import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAVEN_CENTRAL } from "../lock/sources.js";
import { effectiveRepository, mirrors, parseMavenSettings, readMavenSettings } from "./maven-settings.js";

const XML = `<?xml version="1.0"?>
<settings>
  <!-- <mirrors><mirror><id>commented</id><mirrorOf>*</mirrorOf><url>https://nope</url></mirror></mirrors> -->
  <servers>
    <server><id>nexus</id><username>deploy</username><password>\${env.NEXUS_PASSWORD}</password></server>
    <server><id>art</id><configuration><httpHeaders><property><name>X-JFrog-Art-Api</name><value>key&amp;1</value></property></httpHeaders></configuration></server>
  </servers>
  <mirrors>
    <mirror><id>nexus</id><mirrorOf>central</mirrorOf><url>https://nexus.corp/repository/maven-public/</url></mirror>
    <mirror><id>art</id><mirrorOf>*,!central</mirrorOf><url>https://art.corp/maven</url></mirror>
  </mirrors>
</settings>`;

describe("maven settings", () => {
  const settings = parseMavenSettings(XML, { NEXUS_PASSWORD: "pw" });

  it("parses mirrors and servers, ignoring comments and interpolating env.X placeholders", () => {
    expect(settings.mirrors).toStrictEqual([
      { id: "nexus", mirrorOf: "central", url: "https://nexus.corp/repository/maven-public" },
      { id: "art", mirrorOf: "*,!central", url: "https://art.corp/maven" },
    ]);
    expect(settings.servers).toStrictEqual([
      { id: "nexus", headers: {}, username: "deploy", password: "pw" },
      { id: "art", headers: { "X-JFrog-Art-Api": "key&1" } },
    ]);
  });

  it.each([
    ["*", "central", true],
    ["central", "central", true],
    ["central", "https://r.example", false],
    ["*,!central", "central", false],
    ["external:*", "central", true],
  ])("mirrorOf %s covers %s: %s", (of, id, expected) => {
    expect(mirrors(of, id, id === "central" ? MAVEN_CENTRAL : id)).toBe(expected);
  });

  it("sends Central through the matching mirror with Basic credentials", () => {
    expect(effectiveRepository(settings, undefined)).toStrictEqual({
      id: "nexus",
      url: "https://nexus.corp/repository/maven-public",
      headers: { authorization: `Basic ${Buffer.from("deploy:pw").toString("base64")}` },
    });
  });

  it("sends other repositories through the * mirror with its header", () => {
    expect(effectiveRepository(settings, "https://packages.confluent.io/maven/")).toStrictEqual({
      id: "art",
      url: "https://art.corp/maven",
      headers: { "X-JFrog-Art-Api": "key&1" },
    });
  });

  it("lets KILN_MAVEN_REPOSITORY win over every mirror", () => {
    expect(effectiveRepository({ ...settings, override: "https://proxy.corp/m2" }, undefined).url).toBe(
      "https://proxy.corp/m2",
    );
  });

  it("uses Central itself with no settings", () => {
    expect(effectiveRepository({ mirrors: [], servers: [] }, undefined)).toStrictEqual({
      id: "central",
      url: MAVEN_CENTRAL,
      headers: {},
    });
  });
});

describe("readMavenSettings", () => {
  it("reads ~/.m2/settings.xml under HOME and the KILN_MAVEN_REPOSITORY override", async () => {
    const home = await mkdtemp(join(tmpdir(), "kiln-home-"));
    try {
      await mkdir(join(home, ".m2"));
      await writeFile(join(home, ".m2/settings.xml"), XML);
      const s = await readMavenSettings({
        HOME: home,
        NEXUS_PASSWORD: "pw",
        KILN_MAVEN_REPOSITORY: "https://m2.corp/repo/",
      });
      expect(s.mirrors.map((m) => m.id)).toStrictEqual(["nexus", "art"]);
      expect(s.override).toBe("https://m2.corp/repo");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it("is empty without a settings file", async () => {
    expect(await readMavenSettings({ HOME: "/nonexistent-kiln-home" })).toStrictEqual({
      mirrors: [],
      servers: [],
    });
  });
});
