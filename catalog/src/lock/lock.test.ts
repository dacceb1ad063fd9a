import type { ConnectorPlugin } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { contentDigest, planPlugin } from "../resolve/layout.js";
import type { PinnedFile } from "../resolve/types.js";
import { checkLock, diffLines, type Lockfile, parseLock, serializeLock } from "./lock.js";

const SHA_A = "a".repeat(128);
const SHA_B = "b".repeat(128);

function entry(sha = SHA_A, version = "1.0.0"): ConnectorPlugin {
  return {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name: "foo",
    title: "Foo",
    type: "source",
    version,
    license: "Apache-2.0",
    kafka: ">=3.9.0",
    owners: ["t"],
    classes: [{ class: "com.example.Foo", type: "source" }],
    artifacts: [{ type: "jar", url: "https://example.com/foo-1.0.jar", sha512: sha }],
  };
}

function lockFor(sha = SHA_A): Lockfile {
  const file: PinnedFile = {
    fileName: "foo-1.0.jar",
    url: "https://example.com/foo-1.0.jar",
    size: 3,
    sha512: sha,
    sha256: "c".repeat(64),
  };
  return {
    lockfileVersion: 1,
    plugins: {
      foo: {
        version: "1.0.0",
        artifacts: [{ source: "jar:https://example.com/foo-1.0.jar", files: [file] }],
        digest: contentDigest(planPlugin([file])),
      },
    },
  };
}

describe("serializeLock", () => {
  it("sorts keys at every level and ends with one newline, whatever the input order", () => {
    const a = serializeLock({
      plugins: {
        z: { version: "1", digest: "d", artifacts: [] },
        a: { digest: "d", version: "1", artifacts: [] },
      },
      lockfileVersion: 1,
    } as never);
    const b = serializeLock({
      lockfileVersion: 1,
      plugins: {
        a: { artifacts: [], version: "1", digest: "d" },
        z: { artifacts: [], digest: "d", version: "1" },
      },
    });
    expect(a).toBe(b);
    expect(a.endsWith("}\n")).toBe(true);
    expect(a.indexOf('"a"')).toBeLessThan(a.indexOf('"z"'));
    expect(a.indexOf('"lockfileVersion"')).toBeLessThan(a.indexOf('"plugins"'));
  });

  it("writes file modes in octal and reads them back as numbers", () => {
    const lock = lockFor();
    const file = lock.plugins.foo?.artifacts[0]?.files[0] as PinnedFile;
    file.unpack = "tgz";
    file.contents = [{ path: "p/run.sh", mode: 0o755, size: 1, sha256: "d".repeat(64) }];
    const text = serializeLock(lock);
    expect(text).toContain('"mode": "0755"');
    expect(parseLock(text).plugins.foo?.artifacts[0]?.files[0]?.contents?.[0]?.mode).toBe(0o755);
  });

  it("round-trips through parseLock", () => {
    const text = serializeLock(lockFor());
    expect(serializeLock(parseLock(text))).toBe(text);
  });

  it.each([
    ["not JSON", "{", /not valid JSON/],
    ["another version", '{"lockfileVersion":2,"plugins":{}}', /not a version 1/],
  ])("parseLock refuses %s", (_n, text, msg) => expect(() => parseLock(text, "kiln.lock.json")).toThrow(msg));
});

describe("checkLock", () => {
  it("passes when the lock pins what the catalog says", () => {
    const text = serializeLock(lockFor());
    expect(checkLock([entry()], lockFor(), text)).toStrictEqual({ ok: true, problems: [], diff: "" });
  });

  it("fails with a readable diff when a sha512 changed in the catalog", () => {
    const text = serializeLock(lockFor());
    const r = checkLock([entry(SHA_B)], lockFor(), text);
    expect(r.ok).toBe(false);
    expect(r.problems).toStrictEqual([
      "foo: artifact 1 (jar:https://example.com/foo-1.0.jar) has another sha512 in the lock",
    ]);
    expect(r.diff).toContain(`-              "sha512": "${SHA_A}"`);
    expect(r.diff).toContain(`+              "sha512": "${SHA_B}"`);
    expect(r.diff).toContain("not resolved: run kiln lock");
  });

  it("reports version changes, new entries and stale ones", () => {
    const text = serializeLock(lockFor());
    const other = { ...entry(), name: "bar" };
    const r = checkLock([entry(SHA_A, "1.1.0"), other], lockFor(), text);
    expect(r.problems).toStrictEqual([
      "foo: version 1.1.0 in the catalog, 1.0.0 in the lock",
      "bar: not in the lock",
    ]);
    const stale = checkLock([], lockFor(), text);
    expect(stale.problems).toStrictEqual(["foo: in the lock but not in the catalog"]);
  });

  it("catches a digest that does not match the locked files", () => {
    const lock = lockFor();
    (lock.plugins.foo as { digest: string }).digest = `sha256:${"0".repeat(64)}`;
    const r = checkLock([entry()], lock, serializeLock(lock));
    expect(r.problems[0]).toMatch(/digest sha256:0+ does not match its files/);
  });

  it("catches a hand-edited, non-canonical lock", () => {
    const r = checkLock([entry()], lockFor(), JSON.stringify(lockFor()));
    expect(r.problems).toStrictEqual(["the lock file is not in kiln's canonical form"]);
  });
});

describe("diffLines", () => {
  it("shows changed lines with context", () => {
    expect(diffLines("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nX\ne\nf\ng", 1)).toBe("@@\n c\n-d\n+X\n e\n@@");
  });
});
