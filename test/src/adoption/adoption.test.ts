import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachedTool } from "../harness/tools.js";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const version = JSON.parse(await readFile(join(root, "package.json"), "utf8")).version as string;

// What a platform team does: one catalog entry added with `kiln catalog add` (a small plugin from
// Maven Central; the sha512 it computes must be the real file's) and one Cluster file using it.
const SOURCE = "io.strimzi:kafka-env-var-config-provider:1.1.0@tar.gz";
const SHA512 =
  "4085980a311137416becfaf4e850f66d1e57c2fb6310a44ac72aa2d3662cd472fd2c83c65201065b596e0cafe8e505b0183d6c5062db1463db359b06b3c9058b";
const CLUSTER = `apiVersion: kiln.dev/v1
kind: Cluster
name: events
namespace: kafka
kafka:
  version: 4.3.1
connect:
  - name: platform
    image:
      repository: registry.example.com/kafka/connect-platform
    plugins: [strimzi-env-var-config-provider]
`;

/** Only what a fresh shell on a CI machine has: no npm_* from the test runner, no NODE_PATH. */
function cleanEnv(home: string, path: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    PATH: [...path, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    LANG: "C.UTF-8",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  // Machines whose egress goes through a TLS proxy (Maven Central downloads) need its CA.
  for (const k of [
    "NODE_EXTRA_CA_CERTS",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
  ])
    if (process.env[k]) env[k] = process.env[k];
  return env;
}

async function sh(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  return exec(cmd, args, { ...opts, timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === "number" ? err.code : -1,
      stdout: err.stdout ?? "",
      stderr: err.stderr ?? String(err),
    }),
  );
}

let tarball: string;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-adoption-"));
  // `npm run pack`, as a maintainer makes the tarball (staged and written outside the tree).
  const packed = await exec("node", [join(root, "cli/scripts/pack.mjs"), "--out", join(work, "pack")], {
    cwd: root,
    timeout: 5 * 60_000,
  });
  tarball = packed.stdout.trim().split("\n").at(-1)?.split(":")[0] ?? "";
  expect(tarball).toBe(join(work, "pack", `kiln-${version}.tgz`));
});
afterAll(async () => {
  if (work && !process.env.KILN_TEST_KEEP) await rm(work, { recursive: true, force: true });
});

// A platform team adopting kiln: install the packed command into a fresh prefix and HOME (so
// nothing of this repository, its node_modules or its caches is reachable), scaffold a fresh
// git repository, add an entry and a cluster, and run the commands CI runs. On the machine's
// Node.js and on pinned 22 and 24 from the npm registry (test/tools/node.sh).
describe.each([
  ["the machine's Node.js", ""],
  ["Node.js 22", "22"],
  ["Node.js 24", "24"],
])("adopting kiln from its packed tarball on %s", (_label, major) => {
  let env: NodeJS.ProcessEnv;
  let repo: string;
  let prefix: string;

  beforeAll(async () => {
    const nodeBin = major ? await cachedTool("node.sh", [major]) : dirname(process.execPath);
    const base = await mkdtemp(join(work, `node${major || "-machine"}-`));
    prefix = join(base, "prefix");
    repo = join(base, "platform");
    await mkdir(join(base, "home"));
    // npm is the machine's (beside its node); the node first on PATH is the one under test.
    env = cleanEnv(join(base, "home"), [join(prefix, "bin"), nodeBin, dirname(process.execPath)]);
  });

  it("installs with npm install -g, offline: the package needs nothing but itself", async () => {
    const node = await sh("node", ["-p", "process.versions.node"], { cwd: work, env });
    if (major) expect(node.stdout.trim().split(".")[0]).toBe(major);
    const install = await sh("npm", ["install", "--global", "--offline", "--prefix", prefix, tarball], {
      cwd: work,
      env,
    });
    expect(install.code, install.stderr).toBe(0);
    // What the bundle reads beside itself at run time, and the licences of what it bundles.
    const installed = join(prefix, "lib", "node_modules", "kiln");
    for (const file of ["NOTICE", "json/cluster.schema.json", "java/KilnUserOperator.java", "kiln.lock.json"])
      expect((await sh("test", ["-s", join(installed, file)], { cwd: work, env })).code, file).toBe(0);
    const v = await sh("kiln", ["--version"], { cwd: work, env });
    expect(v).toMatchObject({ code: 0, stderr: "" });
    expect(v.stdout).toBe(
      `kiln ${version}\ntargets Strimzi 1.2.0 (kafka.strimzi.io/v1), Kafka 4.2 and 4.3 (default 4.3.1)\n`,
    );
    // Where Node.js can keep compiled code between runs (22.1+), kiln turns that on: in the OS
    // temp directory, so a second start compiles nothing it compiled before.
    const tmp = join(prefix, "..", "tmp");
    await mkdir(tmp);
    const canCache = await sh("node", ["-p", "typeof require('node:module').enableCompileCache"], {
      cwd: work,
      env,
    });
    expect((await sh("kiln", ["--version"], { cwd: work, env: { ...env, TMPDIR: tmp } })).code).toBe(0);
    const cached = await readdir(join(tmp, "node-compile-cache")).catch(() => []);
    expect(cached.length > 0, `compile cache on Node.js ${node.stdout.trim()}`).toBe(
      canCache.stdout.trim() === "function",
    );
    // The README's other way in: `npx ./kiln-<version>.tgz …` beside the tarball.
    const npx = await sh("npx", ["--yes", `./${basename(tarball)}`, "--version"], {
      cwd: dirname(tarball),
      env,
    });
    expect(npx.stdout.split("\n")[0], npx.stderr).toBe(`kiln ${version}`);
  });

  it("kiln init scaffolds a fresh git repository whose schema lines point at the installed schemas", async () => {
    await mkdir(repo);
    expect((await sh("git", ["init", "-q"], { cwd: repo, env })).code).toBe(0);
    const init = await sh("kiln", ["init"], { cwd: repo, env });
    expect(init.code, init.stderr).toBe(0);
    const installed = join(prefix, "lib", "node_modules", "kiln");
    expect((await readFile(join(repo, "catalog/license-policy.yaml"), "utf8")).split("\n")[0]).toBe(
      `# yaml-language-server: $schema=${pathToFileURL(join(installed, "json", "license-policy.schema.json")).href}`,
    );
    expect(await readFile(join(repo, ".github/actions/install-kiln/action.yml"), "utf8")).toContain(
      `KILN_VERSION: "${version}"`,
    );
  });

  it("kiln catalog add an entry, add a cluster; kiln lock, build, render and validate are all green", async () => {
    const run = (args: string[]) => sh("kiln", args, { cwd: repo, env });
    const name = "strimzi-env-var-config-provider";
    const add = await run(["catalog", "add", SOURCE, "--name", name, "--owners", "platform-team"]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`locked ${name} in kiln.lock.json`);
    const entry = await readFile(join(repo, `catalog/connectors/${name}.yaml`), "utf8");
    expect(entry).toContain("type: other\n");
    expect(entry).toContain("license: Apache-2.0\n");
    expect(entry).toContain("  - class: io.strimzi.kafka.EnvVarConfigProvider\n    type: config-provider\n");
    expect(entry).toContain(`    sha512: ${SHA512}\n`);
    await writeFile(join(repo, "clusters/events.yaml"), CLUSTER);

    const lock = await run(["lock"]);
    expect(lock.code, lock.stderr).toBe(0);
    expect((await run(["lock", "--check"])).code).toBe(0);

    const build = await run(["build", "clusters"]);
    expect(build.code, build.stderr).toBe(0);
    const summary = JSON.parse(await readFile(join(repo, "out/build.json"), "utf8"));
    expect(summary.images.map((i: { plugin?: string }) => i.plugin)).toContain(
      "strimzi-env-var-config-provider",
    );
    expect(summary.manifests).toEqual([expect.objectContaining({ cluster: "events" })]);

    const render = await run(["render", "clusters/events.yaml", "--out", "out/render"]);
    expect(render.code, render.stderr).toBe(0);
    expect(await readFile(join(repo, "out/render/connect/kafkaconnect-platform.yaml"), "utf8")).toContain(
      "kind: KafkaConnect",
    );

    for (const args of [["validate"], ["validate", "clusters", "connectors"]]) {
      const res = await run(args);
      expect(res.code, `${args.join(" ")}: ${res.stderr}`).toBe(0);
    }
  });
});
