import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";

// esbuild puts a module in the chunk of every verb whose static imports reach it, and a process
// loads the whole chunk: one import of a heavy barrel makes a verb load megabytes it never runs.
// These are the static import graphs the npm bundle is made from (cli/scripts/pack.mjs).
const root = fileURLToPath(new URL("../../", import.meta.url));

async function staticGraph(entry: string, dynamic = false): Promise<Set<string>> {
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "node",
    outdir: "out",
    conditions: ["kiln-bundle", "kiln-src"],
    external: ["*.node"],
    logLevel: "silent",
  });
  const reached = new Set([entry]);
  const queue = [entry];
  for (let m = queue.shift(); m !== undefined; m = queue.shift())
    for (const i of metafile.inputs[m]?.imports ?? [])
      if (
        (i.kind === "import-statement" ||
          i.kind === "require-call" ||
          (dynamic && i.kind === "dynamic-import")) &&
        !reached.has(i.path)
      ) {
        reached.add(i.path);
        queue.push(i.path);
      }
  return reached;
}

const packages = (graph: Set<string>) =>
  new Set([...graph].flatMap((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? []));

describe("what a command loads before it runs", () => {
  it("kiln itself (--version, parsing) loads no YAML parser, validators, semver or HTTP client", async () => {
    const loaded = packages(await staticGraph("cli/src/cli.ts"));
    for (const heavy of ["yaml", "ajv", "js-yaml", "semver", "undici", "tar-stream"])
      expect(loaded).not.toContain(heavy);
  });

  it("kiln bake loads the YAML parser and the validators only for a Cluster file, tar-stream only for an archive, and no undici", async () => {
    const loaded = packages(await staticGraph("cli/src/commands/bake.ts"));
    for (const heavy of ["yaml", "ajv", "js-yaml", "semver", "undici", "tar-stream"])
      expect(loaded).not.toContain(heavy);
    expect(packages(await staticGraph("cli/src/commands/bake.ts", true))).toContain("tar-stream");
  });

  it("no verb of kiln carries undici: the registry, Connect and download clients speak node:http", async () => {
    const loaded = packages(await staticGraph("cli/src/bin.ts", true));
    expect(loaded).not.toContain("undici");
    expect(loaded).toContain("dockerode");
  });

  it("kiln connectors apply loads no undici: the Connect client speaks node:http", async () => {
    const loaded = packages(await staticGraph("cli/src/commands/connectors-apply.ts"));
    expect(loaded).not.toContain("undici");
    expect(loaded).toContain("js-yaml");
  });
});
