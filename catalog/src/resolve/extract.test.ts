import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafeArchiveError } from "../errors.js";
import { type FixtureEntry, makeTgz, makeZip } from "../testing/archives.js";
import { extractArchive, linkTarget, safeEntryPath } from "./extract.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-extract-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function unpack(format: "tgz" | "zip", archive: Buffer, limits = {}) {
  const file = join(dir, `a.${format}`);
  await writeFile(file, archive);
  return extractArchive(file, format, join(dir, "out"), limits);
}

async function build(format: "tgz" | "zip", entries: FixtureEntry[]): Promise<Buffer> {
  return format === "tgz" ? makeTgz(entries) : makeZip(entries);
}

describe("safeEntryPath / linkTarget", () => {
  it.each([
    ["a/b.jar", "a/b.jar"],
    ["./a//b.jar", "a/b.jar"],
    ["dir/", "dir"],
  ])("accepts %s", (name, path) => expect(safeEntryPath(name)).toEqual({ path }));
  it.each(["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\..\\x"])("refuses %s", (name) => {
    expect(safeEntryPath(name)).toHaveProperty("reason");
  });
  it.each([
    ["lib/a.jar", "b.jar", "lib/b.jar"],
    ["lib/a.jar", "../b.jar", "b.jar"],
    ["lib/a.jar", "../../b.jar", undefined],
    ["a", "/etc/passwd", undefined],
  ])("link %s -> %s is %s", (path, target, expected) => expect(linkTarget(path, target)).toBe(expected));
});

describe("extractArchive", () => {
  it.each(["tgz", "zip"] as const)(
    "unpacks a %s with normalised modes and sorted listing",
    async (format) => {
      const archive = await build(format, [
        { name: "plugin/lib/b.jar", data: "bbb", mode: format === "zip" ? 0o100600 : 0o600 },
        { name: "plugin/bin/run.sh", data: "#!/bin/sh\n", mode: format === "zip" ? 0o100775 : 0o775 },
        { name: "plugin/lib/a.jar", data: "aa" },
      ]);
      const entries = await unpack(format, archive);
      expect(entries.map((e) => [e.path, e.mode.toString(8), e.size])).toStrictEqual([
        ["plugin/bin/run.sh", "755", 10],
        ["plugin/lib/a.jar", "644", 2],
        ["plugin/lib/b.jar", "644", 3],
      ]);
      expect(await readFile(join(dir, "out/plugin/lib/b.jar"), "utf8")).toBe("bbb");
      expect((await stat(join(dir, "out/plugin/lib/b.jar"))).mode & 0o777).toBe(0o644);
    },
  );

  it("keeps symlinks that stay inside", async () => {
    const entries = await unpack(
      "tgz",
      await makeTgz([
        { name: "p/lib/a.jar", data: "a" },
        { name: "p/current.jar", type: "symlink", linkname: "lib/a.jar" },
      ]),
    );
    expect(entries.find((e) => e.path === "p/current.jar")?.mode).toBe(0o120777);
    expect(await readlink(join(dir, "out/p/current.jar"))).toBe("lib/a.jar");
  });

  it("turns a hard link to an earlier file into a copy", async () => {
    const entries = await unpack(
      "tgz",
      await makeTgz([
        { name: "p/a.jar", data: "abc" },
        { name: "p/b.jar", type: "link", linkname: "p/a.jar" },
      ]),
    );
    expect(entries.map((e) => e.path)).toStrictEqual(["p/a.jar", "p/b.jar"]);
    expect((await lstat(join(dir, "out/p/b.jar"))).isFile()).toBe(true);
  });

  const hostile: Array<[string, "tgz" | "zip", FixtureEntry[], RegExp]> = [
    ["zip-slip", "zip", [{ name: "../../evil.jar", data: "x" }], /\.\.|invalid relative path/],
    ["tar .. entry", "tgz", [{ name: "p/../../evil.jar", data: "x" }], /climbs out/],
    ["tar absolute path", "tgz", [{ name: "/tmp/evil.jar", data: "x" }], /absolute path/],
    ["zip absolute path", "zip", [{ name: "/tmp/evil.jar", data: "x" }], /absolute path/],
    [
      "tar symlink escaping",
      "tgz",
      [{ name: "p/link", type: "symlink", linkname: "../../etc" }],
      /points outside/,
    ],
    [
      "tar absolute symlink",
      "tgz",
      [{ name: "p/link", type: "symlink", linkname: "/etc/passwd" }],
      /points outside/,
    ],
    [
      "zip symlink escaping",
      "zip",
      [{ name: "p/link", data: "../../../etc/passwd", mode: 0o120777 }],
      /points outside/,
    ],
    [
      "tar hard link escaping",
      "tgz",
      [{ name: "p/h", type: "link", linkname: "../../etc/passwd" }],
      /points outside/,
    ],
    [
      "writing through a symlink",
      "tgz",
      [
        { name: "p/d", type: "symlink", linkname: "." },
        { name: "p/d/x.jar", data: "x" },
      ],
      /through a symlink/,
    ],
    ["tar character device", "tgz", [{ name: "p/tty", type: "character-device" }], /character-device/],
    ["tar fifo", "tgz", [{ name: "p/pipe", type: "fifo" }], /fifo/],
    ["zip device", "zip", [{ name: "p/dev", data: "", mode: 0o020644 }], /device/],
    ["tar setuid file", "tgz", [{ name: "p/run", data: "x", mode: 0o4755 }], /setuid/],
    ["zip setuid file", "zip", [{ name: "p/run", data: "x", mode: 0o104755 }], /setuid/],
    ["empty tar", "tgz", [], /empty/],
    ["empty zip", "zip", [], /empty/],
    [
      "tar duplicate entry",
      "tgz",
      [
        { name: "p/a", data: "1" },
        { name: "p/a", data: "2" },
      ],
      /twice/,
    ],
  ];
  it.each(hostile)("refuses %s", async (_name, format, entries, message) => {
    const err = await unpack(format, await build(format, entries)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(message);
  });

  it("never writes outside the destination for a zip-slip entry", async () => {
    await unpack("zip", makeZip([{ name: "../escaped.jar", data: "x" }])).catch(() => undefined);
    await expect(stat(join(dir, "escaped.jar"))).rejects.toThrow();
  });

  it("stops a zip bomb by bytes written, not the header's claim", async () => {
    const bomb = makeZip([{ name: "zeros.bin", data: Buffer.alloc(64 << 20) }]);
    expect(bomb.length).toBeLessThan(1 << 20);
    await expect(unpack("zip", bomb, { maxBytes: 8 << 20 })).rejects.toThrow(/more than 8388608 bytes/);
  });

  it("stops a gzip bomb", async () => {
    const bomb = await makeTgz([{ name: "zeros.bin", data: Buffer.alloc(32 << 20) }]);
    await expect(unpack("tgz", bomb, { maxBytes: 4 << 20 })).rejects.toThrow(/more than/);
  });

  it("limits the number of entries", async () => {
    const many = await makeTgz(Array.from({ length: 30 }, (_, i) => ({ name: `p/f${i}`, data: "x" })));
    await expect(unpack("tgz", many, { maxEntries: 20 })).rejects.toThrow(/more than 20 entries/);
  });

  it("reports a truncated gzip", async () => {
    const good = await makeTgz([{ name: "p/a.jar", data: Buffer.alloc(100_000, 7) }]);
    const err = await unpack("tgz", good.subarray(0, Math.floor(good.length / 2))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/truncated or corrupt/);
  });

  it("reports a gzip of something that is not a tar", async () => {
    await expect(unpack("tgz", gzipSync(Buffer.from("just text, no tar header here")))).rejects.toThrow(
      UnsafeArchiveError,
    );
  });

  it("reports a zip that is not a zip", async () => {
    await expect(unpack("zip", Buffer.from("PK but not really"))).rejects.toThrow(/not a valid zip/);
  });
});
