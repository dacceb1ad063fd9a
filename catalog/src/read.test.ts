import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpecError } from "@kiln/schemas";
import { afterAll, describe, expect, it } from "vitest";
import { FileReadError, readTextFile } from "./read.js";

const dir = mkdtempSync(join(tmpdir(), "kiln-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readTextFile", () => {
  it("reads a file whole, multi-byte characters included, up to exactly the limit", async () => {
    const text = `kind: ConnectorPlugin\ntitle: "Zürich → 東京"\n${"x".repeat(3000)}\n`;
    const size = Buffer.byteLength(text);
    writeFileSync(join(dir, "spec.yaml"), text);
    expect(await readTextFile(join(dir, "spec.yaml"), { maxBytes: size })).toBe(text);
    writeFileSync(join(dir, "empty.yaml"), "");
    expect(await readTextFile(join(dir, "empty.yaml"))).toBe("");
  });

  it("refuses a file one byte over the limit, located, with its size", async () => {
    writeFileSync(join(dir, "big.yaml"), "y".repeat(101));
    const err = await readTextFile(join(dir, "big.yaml"), { maxBytes: 100, display: "big.yaml" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).diagnostics[0]).toMatchObject({
      code: "file-too-large",
      message: "file is 101 bytes; the limit is 100 bytes",
      location: { file: "big.yaml" },
    });
  });

  it("refuses what is not a regular file: a device that never ends, a directory, nothing", async () => {
    for (const [path, message] of [
      ["/dev/zero", "is a device, not a regular file"],
      [dir, "is a directory, not a regular file"],
      [join(dir, "missing.yaml"), "no such file or directory"],
    ] as const) {
      const err = await readTextFile(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FileReadError);
      expect((err as FileReadError).userMessage).toBe(message);
    }
  });
});
