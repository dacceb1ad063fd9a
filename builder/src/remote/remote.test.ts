import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConfigCredentials, parseChallenge } from "./credentials.js";
import { parseRetryAfter, RegistryError } from "./errors.js";
import { parseReference } from "./reference.js";

describe("parseReference", () => {
  it.each([
    ["busybox", { registry: "index.docker.io", repository: "library/busybox", tag: "latest" }],
    [
      "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1",
      { registry: "quay.io", repository: "strimzi/kafka", tag: "1.2.0-kafka-4.3.1" },
    ],
    ["127.0.0.1:5000/team/connect:1", { registry: "127.0.0.1:5000", repository: "team/connect", tag: "1" }],
    ["localhost/a", { registry: "localhost", repository: "a", tag: "latest" }],
    [
      `ghcr.io/o/r@sha256:${"a".repeat(64)}`,
      { registry: "ghcr.io", repository: "o/r", digest: `sha256:${"a".repeat(64)}` },
    ],
  ])("%s", (input, want) => {
    expect(parseReference(input)).toStrictEqual(want);
  });

  it.each([["Upper/Case"], ["repo@sha256:short"], ["r:bad tag"]])("rejects %s", (input) => {
    expect(() => parseReference(input)).toThrow(/image reference/);
  });
});

describe("parseChallenge", () => {
  it("reads Bearer parameters, quoted values with commas included", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
      ),
    ).toStrictEqual({
      scheme: "bearer",
      params: {
        realm: "https://auth.example.com/token",
        service: "registry.example.com",
        scope: "repository:a/b:pull,push",
      },
    });
    expect(parseChallenge('Basic realm="kiln-test"')).toStrictEqual({
      scheme: "basic",
      params: { realm: "kiln-test" },
    });
    expect(parseChallenge("Negotiate abc")).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe("errors", () => {
  it("redacts credentials and upload state from the URLs it reports", () => {
    const err = new RegistryError({
      message: "upload failed",
      url: "https://u:p@r.example.com/v2/a/blobs/uploads/123?_state=SECRET&digest=sha256:ab",
    });
    expect(err.url).toBe("https://***@r.example.com/v2/a/blobs/uploads/123?_state=***&digest=sha256%3Aab");
  });
  it("reads Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("dockerConfigCredentials", () => {
  it("reads auths, then asks credHelpers and credsStore through docker-credential-<helper>", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-dockercfg-"));
    const helper = join(dir, "docker-credential-fake");
    await writeFile(
      helper,
      '#!/bin/sh\nread host\nif [ "$host" = "helped.example.com" ]; then echo \'{"ServerURL":"x","Username":"hu","Secret":"hs"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n',
    );
    await chmod(helper, 0o755);
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({
        auths: { "plain.example.com": { auth: Buffer.from("pu:pp").toString("base64") } },
        credHelpers: { "helped.example.com": "fake" },
        credsStore: "fake",
      }),
    );
    const creds = dockerConfigCredentials({ DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` });
    expect(await creds("helped.example.com")).toStrictEqual({ username: "hu", password: "hs" });
    // credsStore does not know it: the auths entry is used.
    expect(await creds("plain.example.com")).toStrictEqual({ username: "pu", password: "pp" });
    expect(await creds("other.example.com")).toBeUndefined();
  });
});

describe("a Docker config kiln cannot read is named, not taken for anonymous access", () => {
  it.each([
    ["{not json", /config\.json: not valid JSON/],
    ["[]", /not a JSON object/],
    ['{"auths": {"r.example.com": {"auth": 42}}}', /`auths\["r\.example\.com"\]\.auth` is not a string/],
    ['{"credHelpers": {"r.example.com": "../../bin/sh"}}', /is not a helper name/],
    ['{"credsStore": ["x"]}', /`credsStore` is not a string/],
  ])("%s", async (text, message) => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-dockercfg-"));
    await writeFile(join(dir, "config.json"), text);
    await expect(dockerConfigCredentials({ DOCKER_CONFIG: dir })("r.example.com")).rejects.toThrow(message);
  });

  it("no config at all is anonymous access", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-dockercfg-"));
    expect(await dockerConfigCredentials({ DOCKER_CONFIG: dir })("r.example.com")).toBeUndefined();
  });
});
