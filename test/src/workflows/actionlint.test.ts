import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { cachedTool } from "../harness/tools.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** actionlint with shellcheck over every run: script; exit code and findings. */
async function actionlint(bin: string, shellcheck: string, cwd: string, files: string[] = []) {
  return run(bin, ["-no-color", "-shellcheck", shellcheck, ...files], { cwd }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    }),
  );
}

// actionlint built from its Go module (test/tools/actionlint.sh), shellcheck from Debian
// (test/provision.sh): the workflows kiln ships and the ones `kiln init` writes.
describe("GitHub Actions workflows pass actionlint (with shellcheck)", () => {
  let bin: string;
  let shellcheck: string;
  beforeAll(async () => {
    bin = await cachedTool("actionlint.sh");
    shellcheck = (
      await run("bash", ["-c", "command -v shellcheck"]).catch(() => ({ stdout: "" }))
    ).stdout.trim();
    if (!shellcheck) throw new Error("shellcheck is not installed (test/provision.sh installs it)");
  });

  it("this repository's .github/workflows", async () => {
    const res = await actionlint(bin, shellcheck, root, [
      ".github/workflows/main.yml",
      ".github/workflows/pr.yml",
      ".github/workflows/update.yml",
    ]);
    expect(res.out).toBe("");
    expect(res.code).toBe(0);
  });

  it.each([
    ["kiln init", ["init"]],
    [
      "kiln init --starter --package",
      ["init", "--starter", "--package", "https://artifacts.example/kiln-0.1.0.tgz"],
    ],
  ])("the workflows and action written by %s", async (_name, args) => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-init-"));
    await run("git", ["init", "-q", dir]);
    const init = await runKiln(args, { cwd: dir, env: {} });
    expect(init.code, init.stderr).toBe(0);
    const res = await actionlint(bin, shellcheck, dir);
    expect(res.out).toBe("");
    expect(res.code).toBe(0);
    // The linter reads the generated action too: a misspelt input of it is an error.
    const pr = await readFile(join(dir, ".github/workflows/kiln-pr.yml"), "utf8");
    await writeFile(join(dir, ".github/workflows/kiln-pr.yml"), pr.replace("package:", "pakage:"));
    const broken = await actionlint(bin, shellcheck, dir);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('input "pakage" is not defined in action "Install kiln"');
  });
});
