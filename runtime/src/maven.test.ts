import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedDirectory, dependencyPom, jarSetDir, once } from "./maven.js";
import { BC_FIPS_JARS, OPA_AUTHORIZER_JARS, STRIMZI_OAUTH_JARS } from "./security-jars.js";

const oauth = { groupId: "io.strimzi", artifactId: "kafka-oauth-server", version: "0.17.1" };

describe("dependencyPom", () => {
  it("lists each artifact with its type, classifier and the set's exclusions", () => {
    const pom = dependencyPom(
      "set",
      [
        oauth,
        { groupId: "org.keycloak", artifactId: "keycloak-quarkus-dist", version: "26.7.3", type: "zip" },
      ],
      ["org.apache.kafka:*"],
    );
    expect(pom).toContain("<artifactId>set</artifactId>");
    expect(pom).toContain(
      "<dependency><groupId>io.strimzi</groupId><artifactId>kafka-oauth-server</artifactId><version>0.17.1</version>" +
        "<exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>",
    );
    expect(pom).toContain("<version>26.7.3</version><type>zip</type><exclusions>");
    expect(dependencyPom("set", [oauth])).not.toContain("<exclusions>");
    expect(dependencyPom("set", [oauth], ["*:*"])).toContain(
      "<exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion>",
    );
  });

  it.each([
    ["a coordinate that would break out of its element", [{ ...oauth, version: "1</version>" }], []],
    ["an exclusion that is not groupId:artifactId", [oauth], ["org.apache.kafka"]],
    ["a project name with a space", [oauth], [], "my set"],
  ])("refuses %s", (_, artifacts, exclusions, name = "set") => {
    expect(() => dependencyPom(name, artifacts, exclusions)).toThrow(/Maven/);
  });
});

describe("jarSetDir", () => {
  it("names the directory after the set and a digest of what decides its content", () => {
    const dir = jarSetDir(STRIMZI_OAUTH_JARS, "/cache");
    expect(dir).toMatch(/^\/cache\/jars\/strimzi-oauth-0\.17\.1-[0-9a-f]{12}$/);
    expect(jarSetDir({ ...STRIMZI_OAUTH_JARS }, "/cache")).toBe(dir);
    const reordered = {
      ...STRIMZI_OAUTH_JARS,
      exclusions: [...(STRIMZI_OAUTH_JARS.exclusions ?? [])].reverse(),
    };
    expect(jarSetDir(reordered, "/cache")).toBe(dir);
    expect(jarSetDir({ ...STRIMZI_OAUTH_JARS, exclusions: [] }, "/cache")).not.toBe(dir);
    expect(jarSetDir({ ...STRIMZI_OAUTH_JARS, transitive: false }, "/cache")).not.toBe(dir);
  });

  it("keeps Kafka's own jars out of the sets loaded beside it", () => {
    for (const set of [STRIMZI_OAUTH_JARS, OPA_AUTHORIZER_JARS]) {
      expect(set.exclusions).toContain("org.apache.kafka:*");
      expect(() => dependencyPom(set.name, set.artifacts, set.exclusions)).not.toThrow();
    }
    expect(BC_FIPS_JARS.transitive).toBe(false);
  });
});

describe("cachedDirectory", () => {
  it("fills once, then reuses the finished directory", async () => {
    const root = join(await mkdtemp(join(tmpdir(), "kiln-cache-")), "set");
    let fills = 0;
    const fill = async (staging: string) => {
      fills++;
      await writeFile(join(staging, "a.jar"), "jar");
    };
    expect(await cachedDirectory(root, fill)).toBe(root);
    expect(await cachedDirectory(root, fill)).toBe(root);
    expect(fills).toBe(1);
    expect((await readdir(root)).sort()).toStrictEqual([".complete", "a.jar"]);
  });

  it("leaves nothing behind when filling fails, so the next call starts over", async () => {
    const parent = await mkdtemp(join(tmpdir(), "kiln-cache-"));
    const root = join(parent, "set");
    await expect(
      cachedDirectory(root, async (staging) => {
        await writeFile(join(staging, "half.jar"), "");
        throw new Error("mvn failed");
      }),
    ).rejects.toThrow("mvn failed");
    expect(await readdir(parent)).toStrictEqual([]);
    await cachedDirectory(root, async (staging) => writeFile(join(staging, "b.jar"), "jar"));
    expect(await readFile(join(root, "b.jar"), "utf8")).toBe("jar");
    expect(existsSync(join(root, ".complete"))).toBe(true);
  });
});

describe("once", () => {
  it("shares one run between concurrent callers and retries after a failure", async () => {
    let runs = 0;
    const fail = () => {
      runs++;
      return Promise.reject(new Error("boom"));
    };
    const key = `k-${Math.random()}`;
    const [a, b] = await Promise.allSettled([once(key, fail), once(key, fail)]);
    expect([a.status, b.status, runs]).toStrictEqual(["rejected", "rejected", 1]);
    expect(await once(key, async () => ++runs)).toBe(2);
  });
});
