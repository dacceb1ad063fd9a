import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Catalog, HttpClient, lockCatalog, readCatalog, serializeLock } from "@kiln/catalog";
import { LoopbackServer, makeJar, makeTgz, sha512 } from "@kiln/catalog/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { asBuilt, build } from "./build.js";
import { requireLockfile } from "./lockfile.js";
import { pluginSources } from "./plugin-sources.js";

const policy = new URL("../../catalog/license-policy.yaml", import.meta.url).pathname;
// Nothing listens on port 1: the base image cannot be reached, so plugins ship as image volumes.
const UNREACHABLE = "127.0.0.1:1";

// Two archives of one plugin, each holding a helper jar of the same name.
const helperA = makeJar({ classes: ["com.example.a.Helper"] });
const helperB = makeJar({ classes: ["com.example.b.Helper"] });
const main = makeJar({ classes: ["com.example.TwinSource"] });
const A_URL = "https://a.example.com/twin-a.tgz";
const B_URL = "https://b.example.com/twin-b.tgz";

function entryYaml(a: Buffer, b: Buffer): string {
  return `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: twin
title: twin
type: source
version: 1.0.0
license: Apache-2.0
kafka: ">=4.2.0 <5.0.0"
owners: [team]
classes:
  - class: com.example.TwinSource
    type: source
artifacts:
  - type: tgz
    url: ${A_URL}
    sha512: "${sha512(a)}"
  - type: tgz
    url: ${B_URL}
    sha512: "${sha512(b)}"
`;
}

function clusterYaml(name: string, connect: string): string {
  return `apiVersion: kiln.dev/v1
kind: Cluster
name: ${name}
namespace: kafka
kafka: { version: 4.3.1 }
nodePools:
  - { name: controllers, roles: [controller], replicas: 3, storage: { type: persistent-claim, size: 10Gi } }
  - { name: brokers, roles: [broker], replicas: 3, storage: { type: persistent-claim, size: 100Gi } }
connect:
${connect}`;
}

let dir: string;
let cache: string;
const srv = new LoopbackServer();

beforeAll(async () => {
  const a = await makeTgz([
    { name: "twin-a/twin-1.0.jar", data: main },
    { name: "twin-a/helper.jar", data: helperA },
  ]);
  const b = await makeTgz([{ name: "twin-b/helper.jar", data: helperB }]);
  dir = await mkdtemp(join(tmpdir(), "kiln-pipeline-build-"));
  cache = join(dir, "cache");
  // The catalog names https URLs (as it must); the cache is filled from a loopback server, so the build runs offline.
  await srv.start();
  srv.file("/a.tgz", a).file("/b.tgz", b);
  const fill = new Catalog([
    {
      entry: {
        name: "twin",
        version: "1.0.0",
        classes: [],
        artifacts: [
          { type: "tgz", url: `${srv.url}/a.tgz`, sha512: sha512(a) },
          { type: "tgz", url: `${srv.url}/b.tgz`, sha512: sha512(b) },
        ],
      },
      source: { file: "twin.yaml" },
    },
  ] as never);
  await lockCatalog(fill, undefined, undefined, {
    cacheDir: cache,
    env: {},
    http: new HttpClient({ allowInsecureLoopback: true }),
  });
  await mkdir(join(dir, "catalog/connectors"), { recursive: true });
  await cp(policy, join(dir, "catalog/license-policy.yaml"));
  await writeFile(join(dir, "catalog/connectors/twin.yaml"), entryYaml(a, b));
  const { catalog } = await readCatalog(join(dir, "catalog/connectors"), { cwd: dir });
  if (!catalog) throw new Error("test catalog invalid");
  await writeFile(
    join(dir, "kiln.lock.json"),
    serializeLock(await lockCatalog(catalog, undefined, undefined, { cacheDir: cache, env: {} })),
  );
  await mkdir(join(dir, "clusters"));
  // orders names where its Connect image would go; audit names no repository at all.
  await writeFile(
    join(dir, "clusters/orders.yaml"),
    clusterYaml(
      "orders",
      `  - name: cdc\n    image: { base: "${UNREACHABLE}/strimzi/kafka:1", repository: registry.example.com/kafka/connect-cdc }\n    plugins: [twin]\n`,
    ),
  );
  await writeFile(
    join(dir, "clusters/audit.yaml"),
    clusterYaml(
      "audit",
      `  - name: sinks\n    image: { base: "${UNREACHABLE}/strimzi/kafka:1" }\n    plugins: [twin]\n`,
    ),
  );
});
afterAll(async () => {
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("pluginSources", () => {
  it("keeps each file's artifact URL where two archives hold files of the same name", async () => {
    const { catalog } = await readCatalog(join(dir, "catalog/connectors"), { cwd: dir });
    const lock = await requireLockfile(undefined, dir);
    const [twin] = await pluginSources(catalog as Catalog, lock, ["twin"], { env: { KILN_CACHE: cache } });
    expect(twin?.files?.map((f) => [f.path, f.url])).toStrictEqual([
      ["twin-a/helper.jar", A_URL],
      ["twin-a/twin-1.0.jar", A_URL],
      ["twin-b/helper.jar", B_URL],
    ]);
    expect(twin?.license).toBe("Apache-2.0");
  });
});

describe("build (loopback artifacts, an unreachable base image)", () => {
  const ctx = () => ({ cwd: dir, env: { KILN_CACHE: cache, SOURCE_DATE_EPOCH: "1700000000" } });
  const request = {
    paths: ["clusters"],
    catalog: "catalog/connectors",
    out: "out",
    insecureRegistry: [UNREACHABLE],
  };

  it("mounts the plugins onto the base image itself, says so, and renders each cluster beside its peer", async () => {
    const steps: string[] = [];
    const summary = await build(request, ctx(), { onStep: (s) => steps.push(s) });
    expect(steps).toStrictEqual([
      "validate",
      "lock check",
      "resolve 1 plugin",
      "bake plugin images",
      "bake Connect images",
      "render manifests",
    ]);
    expect(summary.images.map((i) => i.kind)).toStrictEqual(["plugin"]);
    const plugin = summary.images[0]?.reference;
    expect(plugin).toMatch(/^kiln\.local\/plugins\/twin@sha256:[0-9a-f]{64}$/);
    // Each Connect cluster runs its declared base, never the repository of an image nothing built.
    expect(summary.connects).toStrictEqual([
      { cluster: "audit", connect: "sinks", path: "plugin-volumes", image: `${UNREACHABLE}/strimzi/kafka:1` },
      { cluster: "orders", connect: "cdc", path: "plugin-volumes", image: `${UNREACHABLE}/strimzi/kafka:1` },
    ]);
    const kc = parse(await readFile(join(dir, "out/manifests/orders/connect/kafkaconnect-cdc.yaml"), "utf8"));
    expect(kc.spec.image).toBe(`${UNREACHABLE}/strimzi/kafka:1`);
    expect(kc.spec.plugins).toStrictEqual([
      { name: "twin", artifacts: [{ type: "image", reference: plugin }] },
    ]);
    const md = await readFile(join(dir, "out/build-summary.md"), "utf8");
    expect(md).toContain(
      `| orders/cdc | mounted as image volumes onto the base | \`${UNREACHABLE}/strimzi/kafka:1\` |`,
    );
    // The SBOM names each helper jar's own archive.
    const sbom = JSON.parse(await readFile(join(dir, "out/sbom/plugin-twin.cdx.json"), "utf8"));
    const files = sbom.components[0].components as Array<{
      properties: Array<{ value: string }>;
      externalReferences: Array<{ url: string }>;
    }>;
    expect(files.map((f) => [f.properties[0]?.value, f.externalReferences[0]?.url])).toStrictEqual([
      ["/twin/twin-a/helper.jar", A_URL],
      ["/twin/twin-a/twin-1.0.jar", A_URL],
      ["/twin/twin-b/helper.jar", B_URL],
    ]);
  });
});

describe("asBuilt", () => {
  it("pins a baked Connect image and leaves a Connect cluster without plugins as declared", () => {
    const cluster = parse(
      clusterYaml("x", "  - name: a\n    plugins: [twin]\n  - name: b\n    image: { base: k:1 }\n"),
    );
    const ref = `r/x-a@sha256:${"1".repeat(64)}`;
    const built = asBuilt(cluster, { a: ref }, new Map());
    expect(built.connect?.[0]?.image).toStrictEqual({ pinned: ref });
    expect(built.connect?.[1]).toStrictEqual(cluster.connect[1]);
  });
});
