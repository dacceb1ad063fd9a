import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  descriptorOf,
  dockerConfigCredentials,
  headManifest,
  parseReference,
  RegistryClient,
  readLayout,
} from "@kiln/builder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBase, tempDir } from "../builder/fixtures.js";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { TEST_KILN_CACHE } from "../resolve/network.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

async function kiln(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const { code, stdout, stderr } = await runKiln(args, { cwd, env });
  return { code, out: stdout, err: stderr };
}

interface Summary {
  images: Array<{
    kind: string;
    plugin?: string;
    connect?: string;
    reference: string;
    digest: string;
    pushed: boolean;
  }>;
  connects: Array<{ cluster: string; connect: string; path: string; image: string }>;
  skipped: string[];
  sboms: string[];
  manifests: Array<{ cluster: string; dir: string; files: number }>;
}

describe("kiln build (real registry, real catalog entry from Maven Central)", () => {
  const host = required("registryPlain");
  const client = new RegistryClient({ insecure: [host] });
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    cwd = await tempDir("kiln-build");
    // The repo's real catalog and lock; plugins come from the shared test cache (Maven Central on a cold run).
    await cp(join(repoRoot, "catalog/connectors"), join(cwd, "catalog/connectors"), { recursive: true });
    await cp(join(repoRoot, "catalog/license-policy.yaml"), join(cwd, "catalog/license-policy.yaml"));
    await cp(join(repoRoot, "kiln.lock.json"), join(cwd, "kiln.lock.json"));
    env = { HOME: cwd, KILN_CACHE: TEST_KILN_CACHE, SOURCE_DATE_EPOCH: "1700000000", PATH: process.env.PATH };
    await pushBase(client, `${host}/build/kafka:1`);
    const cluster = (name: string, base: string) =>
      [
        "apiVersion: kiln.dev/v1",
        "kind: Cluster",
        `name: ${name}`,
        "namespace: kafka",
        "kafka: { version: 4.3.1 }",
        "nodePools:",
        "  - { name: controllers, roles: [controller], replicas: 3, storage: { type: persistent-claim, size: 10Gi } }",
        "  - { name: brokers, roles: [broker], replicas: 3, storage: { type: persistent-claim, size: 100Gi } }",
        "connect:",
        "  - name: files",
        `    image: { base: "${base}", repository: registry.example.com/kafka/connect-files }`,
        "    plugins: [kafka-connect-file]",
        "",
      ].join("\n");
    await writeFile(join(cwd, "reachable.yaml"), cluster("reachable", `${host}/build/kafka:1`));
    await writeFile(
      join(cwd, "offline.yaml"),
      cluster("offline", "registry.invalid/strimzi/kafka:1.2.0-kafka-4.3.1"),
    );
  });
  afterAll(() => client.close());

  it("pushes plugin images and a Connect image, and renders manifests pinned by digest", async () => {
    const res = await kiln(
      ["build", "reachable.yaml", "--push", `${host}/kiln`, "--insecure-registry", host],
      env,
      cwd,
    );
    expect(res.err).not.toMatch(/kiln:/);
    expect(res.code).toBe(0);
    const summary = JSON.parse(await readFile(join(cwd, "out/build.json"), "utf8")) as Summary;
    const plugin = summary.images.find((i) => i.kind === "plugin");
    const connect = summary.images.find((i) => i.kind === "connect");
    expect(plugin).toMatchObject({ plugin: "kafka-connect-file", pushed: true });
    expect(plugin?.reference).toBe(`${host}/kiln/plugins/kafka-connect-file@${plugin?.digest}`);
    expect(connect).toMatchObject({ connect: "files", pushed: true });
    expect(connect?.reference).toBe(`${host}/kiln/connect-files@${connect?.digest}`);
    // What the summary says is what the registry holds, by digest.
    for (const image of [plugin, connect]) {
      const ref = parseReference(image?.reference as string);
      expect((await headManifest(client, ref))?.digest).toBe(image?.digest);
    }
    // The rendered KafkaConnect runs exactly that image; the OCI layout holds it too.
    const kc = await readFile(join(cwd, "out/manifests/reachable/connect/kafkaconnect-files.yaml"), "utf8");
    expect(kc).toContain(`image: ${connect?.reference}`);
    expect(kc).not.toContain("plugins:");
    const fromLayout = await readLayout(
      join(cwd, "out/oci"),
      `${host}/kiln/connect-files:sha-${connect?.digest.slice(7, 19)}`,
    );
    expect(descriptorOf(fromLayout).digest).toBe(connect?.digest);
    expect(summary.sboms).toContain("out/sbom/reachable-files.cdx.json");
  });

  it("--push to a TLS registry with a private CA: trusted through --registry-ca, as kiln bake is", async () => {
    const tls = required("registryTls");
    const ca = required("registryTlsCa");
    const docker = await tempDir("build-docker-config");
    const auth = Buffer.from(`${required("registryUser")}:${required("registryPassword")}`).toString(
      "base64",
    );
    await writeFile(join(docker, "config.json"), JSON.stringify({ auths: { [tls]: { auth } } }));
    const res = await kiln(
      [
        "build",
        "reachable.yaml",
        "--out",
        "out-tls",
        "--push",
        `${tls}/kiln`,
        "--insecure-registry",
        host,
        "--registry-ca",
        ca,
      ],
      { ...env, DOCKER_CONFIG: docker },
      cwd,
    );
    expect(res.err).not.toMatch(/kiln:/);
    expect(res.code).toBe(0);
    const summary = JSON.parse(await readFile(join(cwd, "out-tls/build.json"), "utf8")) as Summary;
    const connect = summary.images.find((i) => i.kind === "connect");
    expect(connect?.reference).toBe(`${tls}/kiln/connect-files@${connect?.digest}`);
    const trusted = new RegistryClient({
      ca: await readFile(ca, "utf8"),
      credentials: dockerConfigCredentials({ DOCKER_CONFIG: docker }),
    });
    try {
      for (const image of summary.images)
        expect((await headManifest(trusted, parseReference(image.reference)))?.digest).toBe(image.digest);
    } finally {
      await trusted.close();
    }
  });

  it("rebuilding unchanged inputs gives the same digests", async () => {
    const before = JSON.parse(await readFile(join(cwd, "out/build.json"), "utf8")) as Summary;
    const res = await kiln(
      ["build", "reachable.yaml", "--push", `${host}/kiln`, "--insecure-registry", host],
      env,
      cwd,
    );
    expect(res.code).toBe(0);
    const after = JSON.parse(await readFile(join(cwd, "out/build.json"), "utf8")) as Summary;
    expect(after.images.map((i) => i.digest)).toStrictEqual(before.images.map((i) => i.digest));
  });

  it("with an unreachable base, the plugins ship as plugin images the manifests mount", async () => {
    const res = await kiln(["build", "offline.yaml"], env, cwd);
    expect(res.code).toBe(0);
    const summary = JSON.parse(await readFile(join(cwd, "out/build.json"), "utf8")) as Summary;
    expect(summary.images.map((i) => i.kind)).toStrictEqual(["plugin"]);
    expect(summary.skipped).toHaveLength(1);
    expect(summary.skipped[0]).toMatch(
      /^offline\/files: base image registry\.invalid\/strimzi\/kafka:1\.2\.0-kafka-4\.3\.1 is not reachable/,
    );
    const plugin = summary.images[0];
    expect(plugin?.reference).toMatch(/^kiln\.local\/plugins\/kafka-connect-file@sha256:[0-9a-f]{64}$/);
    const kc = await readFile(join(cwd, "out/manifests/offline/connect/kafkaconnect-files.yaml"), "utf8");
    expect(kc).toContain(`reference: ${plugin?.reference}`);
    expect(kc).toContain("type: image");
    // The plugins are mounted onto the declared base, not onto a Connect image never built.
    expect(kc).toContain("image: registry.invalid/strimzi/kafka:1.2.0-kafka-4.3.1");
    expect(kc).not.toContain("registry.example.com/kafka/connect-files");
    expect(summary.connects).toStrictEqual([
      {
        cluster: "offline",
        connect: "files",
        path: "plugin-volumes",
        image: "registry.invalid/strimzi/kafka:1.2.0-kafka-4.3.1",
      },
    ]);
  });
});
