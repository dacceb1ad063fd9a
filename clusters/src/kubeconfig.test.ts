import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { KubeconfigError, loadKubeconfig } from "./kubeconfig.js";

const config = (o: { clusters: string[]; contexts: Array<[string, string, string?]>; current?: string }) =>
  [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [${o.clusters.map((c) => `{name: ${c.split("=")[0]}, cluster: {server: "${c.split("=")[1]}"}}`).join(", ")}]`,
    `users: [${o.contexts.map(([, , u]) => `{name: ${u ?? "u"}, user: {token: t-${u ?? "u"}}}`).join(", ")}]`,
    `contexts: [${o.contexts.map(([n, c, u]) => `{name: ${n}, context: {cluster: ${c}, user: ${u ?? "u"}, namespace: ns-${n}}}`).join(", ")}]`,
    o.current ? `current-context: ${o.current}` : "",
  ].join("\n");

describe("loadKubeconfig", () => {
  let dir: string;
  let a: string;
  let b: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-kubeconfig-"));
    a = join(dir, "a.yaml");
    b = join(dir, "b.yaml");
    await writeFile(
      a,
      config({
        clusters: ["one=https://one.example:6443"],
        contexts: [["first", "one", "ua"]],
        current: "first",
      }),
    );
    await writeFile(
      b,
      config({
        clusters: ["one=https://shadowed.example", "two=https://two.example"],
        contexts: [
          ["first", "two", "ub"],
          ["second", "two", "ub"],
        ],
        current: "second",
      }),
    );
  });

  it.each([
    // [KUBECONFIG order, --context, expected context, server, namespace]
    ["a then b", () => [a, b], undefined, "first", "https://one.example:6443", "ns-first"],
    ["b then a", () => [b, a], undefined, "second", "https://two.example", "ns-second"],
    ["a then b, --context second", () => [a, b], "second", "second", "https://two.example", "ns-second"],
    [
      "missing files are skipped",
      () => [join(dir, "nope"), b],
      undefined,
      "second",
      "https://two.example",
      "ns-second",
    ],
  ] as const)("merges KUBECONFIG like kubectl: %s", (_, files, context, ctx, server, ns) => {
    const loaded = loadKubeconfig({
      env: { KUBECONFIG: files().join(delimiter) },
      ...(context ? { context } : {}),
    });
    expect([loaded.context, loaded.server, loaded.namespace]).toEqual([ctx, server, ns]);
    expect(loaded.kc.getCurrentCluster()?.server).toBe(server);
  });

  it("--kubeconfig wins over KUBECONFIG, --namespace over the context's", () => {
    const loaded = loadKubeconfig({ kubeconfig: b, namespace: "kafka", env: { KUBECONFIG: a } });
    expect([loaded.context, loaded.namespace]).toEqual(["second", "kafka"]);
  });

  it("falls back to ~/.kube/config", async () => {
    const home = join(dir, "home");
    await mkdir(join(home, ".kube"), { recursive: true });
    await writeFile(
      join(home, ".kube", "config"),
      config({ clusters: ["h=https://home.example"], contexts: [["h", "h"]], current: "h" }),
    );
    expect(loadKubeconfig({ env: {}, home }).server).toBe("https://home.example");
  });

  it("uses the pod's service account inside a cluster", async () => {
    const sa = join(dir, "sa");
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, "token"), "pod-token");
    await writeFile(join(sa, "ca.crt"), "");
    await writeFile(join(sa, "namespace"), "kafka-prod\n");
    const loaded = loadKubeconfig({
      env: { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" },
      home: join(dir, "empty-home"),
      serviceAccountDir: sa,
    });
    expect([loaded.context, loaded.server, loaded.namespace]).toEqual([
      "in-cluster",
      "https://10.0.0.1:443",
      "kafka-prod",
    ]);
  });

  it.each([
    [
      "an unknown --context",
      { kubeconfig: "A", context: "nope" },
      /context "nope" is not defined .*\(contexts: first\)/,
    ],
    [
      "no kubeconfig and no cluster",
      { env: {}, home: "/nonexistent" },
      /no kubeconfig found .* not running inside a cluster/,
    ],
    [
      "a --kubeconfig that does not exist",
      { kubeconfig: "/nonexistent/config" },
      /the kubeconfig file does not exist/,
    ],
  ] as const)("a clear error for %s", (_, opts, message) => {
    const o = { ...opts, ...("kubeconfig" in opts && opts.kubeconfig === "A" ? { kubeconfig: a } : {}) };
    expect(() => loadKubeconfig({ env: {}, ...o })).toThrowError(KubeconfigError);
    expect(() => loadKubeconfig({ env: {}, ...o })).toThrowError(message);
  });
});
