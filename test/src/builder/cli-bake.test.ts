import { readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BlobStore,
  type Digest,
  headManifest,
  listReferrers,
  parseReference,
  RegistryClient,
  readLayout,
} from "@kiln/builder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { startFaultProxy } from "./fault-proxy.js";
import { makePlugin, pushBase, tempDir } from "./fixtures.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

async function kiln(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const { code, stdout, stderr } = await runKiln(args, { cwd, env });
  return { code, out: stdout, err: stderr };
}

describe("kiln bake against the real registry", () => {
  const host = required("registryPlain");
  const client = new RegistryClient({ insecure: [host] });
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let pluginArgs: string[];
  /** The plugin layers the first test pushed. */
  let pushedLayers: Digest[] = [];

  beforeAll(async () => {
    cwd = await tempDir("cli-bake");
    env = {
      HOME: cwd,
      KILN_CACHE: join(cwd, "cache"),
      SOURCE_DATE_EPOCH: "1700000000",
      PATH: process.env.PATH,
    };
    await pushBase(client, `${host}/cli/kafka:1`);
    const a = await makePlugin("jdbc-sink", "local", { "kafka-connect-jdbc-10.8.0.jar": 150_000 });
    const b = await makePlugin("s3-sink", "local", { "s3-sink-11.0.1.jar": 90_000 });
    pluginArgs = ["--plugin-dir", `jdbc-sink=${a.dir}`, "--plugin-dir", `s3-sink=${b.dir}`];
    await writeFile(
      join(cwd, "cluster.yaml"),
      [
        "apiVersion: kiln.dev/v1",
        "kind: Cluster",
        "name: orders",
        "namespace: kafka",
        "kafka:",
        "  version: 4.3.1",
        "connect:",
        "  - name: orders-connect",
        "    image:",
        `      base: ${host}/cli/kafka:1`,
        `      repository: ${host}/cli/connect`,
        "    plugins: [jdbc-sink, s3-sink]",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => client.close());

  it("pushes, then a rebuild with unchanged inputs pushes nothing and reports the same digest", async () => {
    const target = `${host}/cli/connect:1`;
    const first = await kiln(
      ["bake", "cluster.yaml", "--push", target, "--insecure-registry", host, ...pluginArgs, "--json"],
      env,
      cwd,
    );
    expect(first.err).not.toMatch(/kiln:/);
    expect(first.code).toBe(0);
    const [r1] = JSON.parse(first.out) as Array<{
      digest: string;
      push: { uploadedBytes: number };
      sbom: string;
      plugins: Array<{ layer: Digest }>;
    }>;
    expect((await headManifest(client, parseReference(target)))?.digest).toBe(r1?.digest);
    expect(r1?.push.uploadedBytes).toBeGreaterThan(240_000);
    // A push alone: the layers streamed to the registry are not written to the cache as well.
    const cached = new BlobStore(join(env.KILN_CACHE as string, "images"));
    pushedLayers = r1?.plugins.map((p) => p.layer) ?? [];
    expect(pushedLayers).toHaveLength(2);
    for (const layer of pushedLayers) expect(await cached.has(layer)).toBe(false);
    const sbom = JSON.parse(await readFile(r1?.sbom as string, "utf8"));
    expect(sbom.components.map((c: { name: string }) => c.name)).toStrictEqual(["jdbc-sink", "s3-sink"]);

    const plan = await kiln(
      ["bake", "cluster.yaml", "--push", target, "--insecure-registry", host, ...pluginArgs, "--plan"],
      env,
      cwd,
    );
    expect(plan.out.trim()).toBe(`orders-connect: ${r1?.digest} (${target} is up to date: nothing to push)`);

    const second = await kiln(
      ["bake", "cluster.yaml", "--push", target, "--insecure-registry", host, ...pluginArgs],
      env,
      cwd,
    );
    expect(second.code).toBe(0);
    expect(second.out).toContain(`orders-connect: ${r1?.digest} (already pushed: nothing uploaded)`);
  });

  it("a push asks the registry about each blob once, never about a layer it streamed, and adds the SBOM referrer after the tag", async () => {
    const proxy = await startFaultProxy(host);
    try {
      const target = `${proxy.address}/cli/early:1`;
      // Plugins of this test alone, so no layer is in the cache yet.
      const jdbc = await makePlugin("jdbc-sink", "local", { "kafka-connect-jdbc-10.9.0.jar": 120_000 });
      const s3 = await makePlugin("s3-sink", "local", { "s3-sink-11.0.2.jar": 95_000 });
      const s3Changed = await makePlugin("s3-sink", "local", { "s3-sink-11.0.3.jar": 97_000 });
      const run = async (s3Dir: string) => {
        const from = proxy.requests.length;
        const res = await kiln(
          [
            "bake",
            "--base",
            `${proxy.address}/cli/kafka:1`,
            "--push",
            target,
            "--insecure-registry",
            proxy.address,
            "--plugin-dir",
            `jdbc-sink=${jdbc.dir}`,
            "--plugin-dir",
            `s3-sink=${s3Dir}`,
            "--json",
          ],
          env,
          cwd,
        );
        expect(res.err).not.toMatch(/kiln:/);
        expect(res.code).toBe(0);
        const [report] = JSON.parse(res.out) as Array<{
          digest: string;
          plugins: Array<{ name: string; layer: string; cached: boolean }>;
          push: { sbom: { digest: string } };
        }>;
        return { report: report as NonNullable<typeof report>, requests: proxy.requests.slice(from) };
      };
      // The first run makes both layers, the second only the changed one: each streams as it is made.
      const first = await run(s3.dir);
      const second = await run(s3Changed.dir);
      expect(first.report.plugins.filter((p) => !p.cached)).toHaveLength(2);
      // (jdbc-sink's files are too new for their identity to be trusted yet: it may be made again.)
      expect(second.report.plugins.find((p) => p.name === "s3-sink")?.cached).toBe(false);
      for (const { report, requests } of [first, second]) {
        const heads = requests.filter((q) => q.startsWith("HEAD /v2/cli/early/blobs/"));
        expect(heads.length).toBeGreaterThan(0);
        expect(new Set(heads).size).toBe(heads.length);
        for (const p of report.plugins.filter((l) => !l.cached))
          expect(heads).not.toContain(`HEAD /v2/cli/early/blobs/${p.layer}`);
        const tag = requests.indexOf("PUT /v2/cli/early/manifests/1");
        const referrer = requests.indexOf(`PUT /v2/cli/early/manifests/${report.push.sbom.digest}`);
        expect(tag).toBeGreaterThanOrEqual(0);
        expect(referrer).toBeGreaterThan(tag);
        const listed = await listReferrers(
          client,
          parseReference(`${host}/cli/early:1`),
          report.digest as Digest,
        );
        expect(listed.map((d) => d.digest)).toStrictEqual([report.push.sbom.digest]);
      }
    } finally {
      await proxy.stop();
    }
  });

  it("writes an OCI layout under out/ when no target is given", async () => {
    const res = await kiln(
      ["bake", "cluster.yaml", "--insecure-registry", host, ...pluginArgs, "--json"],
      env,
      cwd,
    );
    expect(res.code).toBe(0);
    const [r] = JSON.parse(res.out) as Array<{ digest: string; outputs: string[] }>;
    expect(r?.outputs).toStrictEqual([`oci:${join(cwd, "out", "oci")}`]);
    expect((await readLayout(join(cwd, "out", "oci"))).digest).toBe(r?.digest);
    // The layers the first test only pushed were made again from their files for the layout.
    const layout = new BlobStore(join(cwd, "out", "oci"));
    for (const layer of pushedLayers) expect(await layout.has(layer)).toBe(true);
  });

  it("bakes catalog plugins resolved from kiln.lock.json (Maven Central, cached), with the lock's URLs and sha512s in the SBOM", async () => {
    const cache = join(homedir(), ".cache", "kiln-test", "kiln");
    const target = `${host}/cli/catalog:1`;
    const res = await kiln(
      [
        "bake",
        "--base",
        `${host}/cli/kafka:1`,
        "--plugin",
        "kafka-connect-file",
        "--catalog",
        join(repoRoot, "catalog/connectors"),
        "--lockfile",
        join(repoRoot, "kiln.lock.json"),
        "--push",
        target,
        "--insecure-registry",
        host,
        "--json",
      ],
      { ...env, KILN_CACHE: cache },
      cwd,
    );
    expect(res.err).not.toMatch(/kiln:/);
    expect(res.code).toBe(0);
    const [r] = JSON.parse(res.out) as Array<{
      digest: string;
      sbom: string;
      plugins: Array<{ name: string; version: string }>;
    }>;
    expect(r?.plugins.map((p) => `${p.name}@${p.version}`)).toStrictEqual(["kafka-connect-file@4.3.1"]);
    const lock = JSON.parse(await readFile(join(repoRoot, "kiln.lock.json"), "utf8"));
    const pinned = lock.plugins["kafka-connect-file"].artifacts[0].files[0];
    const sbom = JSON.parse(await readFile(r?.sbom as string, "utf8"));
    const jar = sbom.components[0].components[0];
    expect(jar).toMatchObject({
      name: "connect-file",
      version: "4.3.1",
      hashes: [
        { alg: "SHA-256", content: pinned.sha256 },
        { alg: "SHA-512", content: pinned.sha512 },
      ],
      externalReferences: [{ type: "distribution", url: pinned.url }],
      licenses: [{ license: { id: "Apache-2.0" } }],
    });
    expect((await headManifest(client, parseReference(target)))?.digest).toBe(r?.digest);
  });

  it("says which plugin the lock is missing", async () => {
    await writeFile(join(cwd, "empty.lock.json"), JSON.stringify({ lockfileVersion: 1, plugins: {} }));
    const res = await kiln(
      [
        "bake",
        "--base",
        `${host}/cli/kafka:1`,
        "--plugin",
        "kafka-connect-file",
        "--catalog",
        join(repoRoot, "catalog/connectors"),
        "--lockfile",
        "empty.lock.json",
        "--insecure-registry",
        host,
      ],
      env,
      cwd,
    );
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/kafka-connect-file/);
    expect(res.err).toMatch(/run kiln lock/);
  });

  it("fails clearly on a base that does not exist", async () => {
    const res = await kiln(
      ["bake", "--base", `${host}/cli/nope:1`, ...pluginArgs, "--insecure-registry", host],
      env,
      cwd,
    );
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      `kiln: http://${host}/v2/cli/nope/manifests/1: image ${host}/cli/nope:1 was not found in the registry\n`,
    );
  });
});
