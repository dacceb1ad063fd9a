import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { schemaFile } from "@kiln/schemas";
import { describe, expect, test } from "vitest";
import { runCli } from "../testing/run-cli.js";

const fresh = () => mkdtempSync(join(tmpdir(), "kiln-init-"));
const repoCatalog = new URL("../../../catalog/connectors/", import.meta.url);

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("kiln init", () => {
  test("scaffolds an empty platform repository whose catalog, files and lock check out", async () => {
    const dir = fresh();
    const res = await runCli(["init", "platform"], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const root = join(dir, "platform");
    expect(tree(root)).toEqual([
      ".github/actions/install-kiln/action.yml",
      ".github/workflows/kiln-drift.yml",
      ".github/workflows/kiln-main.yml",
      ".github/workflows/kiln-pr.yml",
      ".github/workflows/kiln-update.yml",
      ".gitignore",
      "README.md",
      "catalog/connectors/.gitkeep",
      "catalog/license-policy.yaml",
      "clusters/.gitkeep",
      "connectors/.gitkeep",
      "kiln.lock.json",
    ]);
    expect(readFileSync(join(root, "catalog/license-policy.yaml"), "utf8").split("\n")[0]).toBe(
      `# yaml-language-server: $schema=${pathToFileURL(schemaFile("LicensePolicy")).href}`,
    );
    expect(readFileSync(join(root, "README.md"), "utf8")).toMatch(/^# platform\n/);
    for (const args of [["validate"], ["validate", "clusters", "connectors"], ["lock", "--check"]])
      expect((await runCli(args, { cwd: root })).code, args.join(" ")).toBe(0);
  });

  test("the workflows install the kiln that wrote them, on Node.js 24", async () => {
    const dir = fresh();
    await runCli(["init", "--package", "https://artifacts.example/kiln-0.1.0.tgz"], { cwd: dir });
    const action = readFileSync(join(dir, ".github/actions/install-kiln/action.yml"), "utf8");
    const version = JSON.parse(
      readFileSync(new URL("../../../package.json", import.meta.url), "utf8"),
    ).version;
    expect(action).toContain(`KILN_VERSION: "${version}"`);
    expect(action).toContain("node-version: 24");
    for (const wf of ["kiln-pr", "kiln-main", "kiln-drift", "kiln-update"])
      expect(readFileSync(join(dir, `.github/workflows/${wf}.yml`), "utf8")).toContain(
        "package: ${{ vars.KILN_PACKAGE || 'https://artifacts.example/kiln-0.1.0.tgz' }}",
      );
  });

  test("--starter: kiln's vetted entries, their schema lines pointing at the installed schemas, and their lock", async () => {
    const dir = fresh();
    expect((await runCli(["init", "--starter"], { cwd: dir })).code).toBe(0);
    const names = readdirSync(repoCatalog).filter((f) => f.endsWith(".yaml"));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const [first, ...rest] = readFileSync(join(dir, "catalog/connectors", name), "utf8").split("\n");
      expect(first).toBe(
        `# yaml-language-server: $schema=${pathToFileURL(schemaFile("ConnectorPlugin")).href}`,
      );
      expect(rest.join("\n")).toBe(
        readFileSync(new URL(name, repoCatalog), "utf8").split("\n").slice(1).join("\n"),
      );
    }
    expect((await runCli(["validate"], { cwd: dir })).code).toBe(0);
    expect((await runCli(["lock", "--check"], { cwd: dir })).code).toBe(0);
  });

  test("refuses to overwrite: nothing is written when any file exists", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "README.md"), "ours\n");
    const res = await runCli(["init"], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `kiln: ${dir}: kiln init would overwrite README.md; nothing was written (--force adds only what is missing and keeps every existing file)\n`,
    );
    expect(tree(dir)).toEqual(["README.md"]);
  });

  test("--force adds what is missing, keeps existing files and merges .gitignore", async () => {
    const dir = fresh();
    mkdirSync(join(dir, "catalog/connectors"), { recursive: true });
    writeFileSync(join(dir, "README.md"), "ours\n");
    writeFileSync(join(dir, ".gitignore"), "node_modules/\nout/");
    writeFileSync(join(dir, "catalog/connectors/mine.yaml"), "kind: ConnectorPlugin\n");
    const res = await runCli(["init", "--force"], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("kept   README.md (exists)");
    expect(res.stdout).toContain("merged .gitignore (added missing lines)");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toBe("ours\n");
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\nout/\n.kiln/\n");
    expect(readFileSync(join(dir, "catalog/connectors/mine.yaml"), "utf8")).toBe("kind: ConnectorPlugin\n");
    // The catalog folder has a file already: no .gitkeep beside it.
    expect(tree(join(dir, "catalog"))).toEqual(["connectors/mine.yaml", "license-policy.yaml"]);
  });

  test("never writes through a symbolic link", async () => {
    const dir = fresh();
    const outside = fresh();
    symlinkSync(outside, join(dir, "clusters"));
    const res = await runCli(["init"], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `kiln: ${join(dir, "clusters")}: is a symbolic link; kiln init writes only into real directories inside the target\n`,
    );
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(dir)).toEqual(["clusters"]);
  });

  test.each([
    ["kiln", /another project/],
    ["kiln@0.1.0", /another project/],
    ["x'; rm -rf /", /without spaces, quotes/],
    ["${{ secrets.X }}", /without spaces, quotes/],
  ])("--package %s is a usage error", async (spec, message) => {
    const res = await runCli(["init", "--package", spec], { cwd: fresh() });
    expect(res.code).toBe(64);
    expect(res.stderr).toMatch(message);
  });
});
