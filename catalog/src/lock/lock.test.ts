import {
  type ConnectorPlugin,
  formatDiagnostic,
  formatLocation,
  type KilnError,
  SpecError,
} from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { checkLock, diffLines, type LockedPlugin, type Lockfile, parseLock, serializeLock } from "./lock.js";
import { contentDigest, planPlugin } from "./plan.js";
import type { PinnedFile } from "./types.js";

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
    [
      "another version",
      '{"lockfileVersion":2,"plugins":{}}',
      /a version 2 lock file; this kiln reads version 1/,
    ],
  ])("parseLock refuses %s", (_n, text, msg) => expect(() => parseLock(text, "kiln.lock.json")).toThrow(msg));

  it("names a lockfileVersion that is not a number without printing what it holds", () => {
    const text = '{"lockfileVersion":{"client.secret":"S3CR3T-literal"},"plugins":{}}';
    let message = "";
    try {
      parseLock(text, "kiln.lock.json");
    } catch (err) {
      message = err instanceof SpecError ? err.diagnostics.map(formatDiagnostic).join("\n") : String(err);
    }
    expect(message).toMatch(/lockfileVersion/);
    expect(message).not.toContain("S3CR3T");
  });
});

describe("parseLock: the lock is untrusted input", () => {
  const valid = () => JSON.parse(serializeLock(lockFor()));
  const first = (l: ReturnType<typeof valid>) => l.plugins.foo.artifacts[0].files[0];
  const refuse = (lock: unknown) => {
    try {
      parseLock(typeof lock === "string" ? lock : JSON.stringify(lock, null, 2), "kiln.lock.json");
    } catch (err) {
      const d = (err as SpecError).diagnostics?.[0];
      if (d) return formatDiagnostic(d);
      const e = err as KilnError;
      return `${formatLocation(e.location ?? {})}: error: ${e.userMessage}`;
    }
    throw new Error("parseLock accepted it");
  };

  it.each<[string, (l: ReturnType<typeof valid>) => void, RegExp]>([
    [
      "a file name that climbs out",
      (l) => (first(l).fileName = "../../../../../x.jar"),
      /fileName` must be a plain file name/,
    ],
    ["a file name with a directory", (l) => (first(l).fileName = "lib/x.jar"), /must be a plain file name/],
    ["'..' as a file name", (l) => (first(l).fileName = ".."), /must be a plain file name/],
    [
      "a contents path with ..",
      (l) =>
        Object.assign(first(l), {
          unpack: "tgz",
          contents: [{ path: "a/../../b", mode: "0644", size: 1, sha256: "d".repeat(64) }],
        }),
      /contents\[0\]\.path` must be a relative path/,
    ],
    [
      "an absolute contents path",
      (l) =>
        Object.assign(first(l), {
          unpack: "tgz",
          contents: [{ path: "/etc/passwd", mode: "0644", size: 1, sha256: "d".repeat(64) }],
        }),
      /must be a relative path/,
    ],
    ["a null field", (l) => (first(l).size = null), /size` must be a whole number, not null/],
    ["a string size", (l) => (first(l).size = "3"), /size` must be a whole number/],
    ["a null plugin", (l) => (l.plugins.foo = null), /plugins\.foo` must be a mapping, not null/],
    [
      "a plugin name that is a path",
      (l) => (l.plugins["../x"] = l.plugins.foo),
      /`plugins` must be a catalog entry name .*not "\.\.\/x"/,
    ],
    [
      "an http URL",
      (l) => (first(l).url = "http://example.com/foo-1.0.jar"),
      /must be an https:\/\/ URL without credentials/,
    ],
    [
      "credentials in a URL",
      (l) => (first(l).url = "https://u:hunter2@example.com/foo-1.0.jar"),
      /without credentials, not "https:\/\/u:\*\*\*@/,
    ],
    ["an unknown field", (l) => (first(l).exec = "rm -rf /"), /unknown field/],
    ["a bad digest", (l) => (l.plugins.foo.digest = "md5:0"), /digest` must be sha256:/],
    [
      "an odd mode",
      (l) =>
        Object.assign(first(l), {
          unpack: "tgz",
          contents: [{ path: "a", mode: "4755", size: 1, sha256: "d".repeat(64) }],
        }),
      /mode` must be one of/,
    ],
  ])("refuses %s, located", (_name, mutate, message) => {
    const lock = valid();
    mutate(lock);
    const out = refuse(lock);
    expect(out).toMatch(/^kiln\.lock\.json:\d+:\d+: error: /);
    expect(out).toMatch(message);
    expect(out).not.toContain("hunter2");
  });

  it("reads a lock with a byte-order mark, and locates invalid JSON", () => {
    expect(parseLock(`\uFEFF${serializeLock(lockFor())}`).plugins.foo?.version).toBe("1.0.0");
    expect(refuse('{\n  "lockfileVersion": 1,\n  "plugins": {,}\n}')).toMatch(
      /^kiln\.lock\.json:3:15: error: not valid JSON/,
    );
  });
});

describe("lockProblems: every field that reaches disk or an image", () => {
  const problems = (mutate: (l: Lockfile) => void) => {
    const lock = lockFor();
    mutate(lock);
    const f = lock.plugins.foo as LockedPlugin;
    f.digest = contentDigest(planPlugin(f.artifacts.flatMap((a) => a.files)));
    return checkLock([entry()], lock, serializeLock(lock)).problems;
  };
  const main = (l: Lockfile) => l.plugins.foo?.artifacts[0]?.files[0] as PinnedFile;

  it("an extra file injected into a non-transitive artifact", () => {
    expect(
      problems((l) =>
        l.plugins.foo?.artifacts[0]?.files.push({ ...main(l), fileName: "evil.jar", sha256: "e".repeat(64) }),
      ),
    ).toStrictEqual(['foo: artifact 1 is one file in the catalog, but the lock adds 1 more ("evil.jar")']);
  });

  it("another file name, URL or unpacking than the catalog's", () => {
    expect(problems((l) => (main(l).fileName = "other.jar"))).toStrictEqual([
      'foo: artifact 1 is laid out as foo-1.0.jar, but the lock names it "other.jar"',
    ]);
    expect(problems((l) => (main(l).url = "https://evil.example.com/foo-1.0.jar"))).toStrictEqual([
      "foo: artifact 1 comes from https://example.com/foo-1.0.jar, but the lock says https://evil.example.com/foo-1.0.jar",
    ]);
    expect(
      problems((l) => Object.assign(main(l), { unpack: "zip", contents: [], sha256: undefined })),
    ).toStrictEqual(["foo: artifact 1 is copied as a file by the catalog, unpacked as zip by the lock"]);
    expect(problems((l) => (main(l).kafkaProvided = true))).toContain(
      "foo: artifact 1: the lock marks the artifact itself as provided by Kafka",
    );
  });
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
