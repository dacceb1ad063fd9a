import { execFile } from "node:child_process";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));

// The README's first command is `npm ci && npx kiln build`: npm must have linked the command
// while installing (before `prepare` builds dist/), and the link must run the built CLI.
describe("the installed kiln command", () => {
  it("is linked into node_modules/.bin and runs", async () => {
    const bin = join(root, "node_modules", ".bin", "kiln");
    expect((await lstat(bin)).isSymbolicLink()).toBe(true);
    const { stdout } = await run(bin, ["--help"]);
    expect(stdout).toMatch(/^Usage: kiln /);
    expect(stdout).toContain("build");
  });
});
