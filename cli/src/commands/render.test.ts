import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_USAGE } from "../exit.js";
import { runCli } from "../testing/run-cli.js";

const examples = new URL("../../../examples/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "kiln-render-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    try {
      out[f] = readFileSync(join(dir, f), "utf8");
    } catch {
      // a directory
    }
  }
  return out;
}

const IMAGE = `cdc=registry.example.com/kafka/connect-cdc@sha256:${"ab".repeat(32)}`;
const SINKS = `sinks=registry.example.com/kafka/connect-sinks@sha256:${"cd".repeat(32)}`;

describe("kiln render", () => {
  it("writes grouped YAML, a kustomization and byte-identical output for the same input", async () => {
    const a = join(tmp, "a");
    const b = join(tmp, "b");
    const args = (out: string) => [
      "render",
      join(examples, "three-zone/cluster.yaml"),
      "--out",
      out,
      "--image",
      IMAGE,
      "--image",
      SINKS,
    ];
    const first = await runCli(args(a));
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect((await runCli(args(b))).code).toBe(0);
    const ta = tree(a);
    expect(ta).toStrictEqual(tree(b));
    expect(Object.keys(ta)).toContain("kafka/kafka-orders.yaml");
    expect(Object.keys(ta)).toContain("connect/kafkaconnect-cdc.yaml");
    const kustomization = ta["kustomization.yaml"] ?? "";
    expect(kustomization).toMatch(
      /^apiVersion: kustomize.config.k8s.io\/v1beta1\nkind: Kustomization\nresources:\n {2}- connect\//,
    );
    expect(ta["connect/kafkaconnect-cdc.yaml"]).toContain(`image: ${IMAGE.slice(4)}`);
  });

  it("writes the DR runbook and removes files a previous render produced but this one does not", async () => {
    const out = join(tmp, "dr");
    writeFileSync(join(tmp, "stale.txt"), "");
    expect(
      (await runCli(["render", join(examples, "dr-active-passive/backup.yaml"), "--out", out])).code,
    ).toBe(0);
    writeFileSync(join(out, "kafka", "kafka-old.yaml"), "stale");
    expect(
      (await runCli(["render", join(examples, "dr-active-passive/backup.yaml"), "--out", out])).code,
    ).toBe(0);
    const files = Object.keys(tree(out));
    expect(files).toContain("DR-RUNBOOK.md");
    expect(files).toContain("mirrormaker2/kafkamirrormaker2-payments-weu-to-payments-neu.yaml");
    expect(files).not.toContain("kafka/kafka-old.yaml");
  });

  it("refuses a contradictory definition with located errors and writes nothing", async () => {
    const file = join(tmp, "bad.yaml");
    writeFileSync(
      file,
      "apiVersion: kiln.dev/v1\nkind: Cluster\nname: x\nnamespace: k\nkafka: { version: 4.3.1 }\nnodePools:\n  - { name: c, roles: [controller], replicas: 4 }\n  - { name: b, roles: [broker], replicas: 3 }\n",
    );
    const r = await runCli(["render", file, "--out", join(tmp, "bad-out")], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "bad.yaml:7:47: error: 4 controllers is an even number: a KRaft quorum of 4 tolerates no more failures than 3; use 3 or 5 (nodePools[0].replicas)\n",
    );
    expect(() => readdirSync(join(tmp, "bad-out"))).toThrow();
  });

  it("prints the connectivity matrix and writes it as connectivity.json", async () => {
    const out = join(tmp, "matrix");
    const r = await runCli([
      "render",
      join(examples, "three-zone/cluster.yaml"),
      "--out",
      out,
      "--image",
      IMAGE,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^connectivity of kafka\/orders: 44 of 44 flows as required, over 4 NetworkPolicies \(kafka\/cdc-connect-rest by kiln, /,
    );
    expect(r.stdout).toMatch(
      /\nrequired +Prometheus \(namespace monitoring\) +cdc-connect +9404 +open +kafka\/cdc-connect-rest\n/,
    );
    expect(r.stdout).toMatch(/\nforbidden +a pod of namespace kiln-stranger +orders-brokers +9093 +closed +/);
    const json = JSON.parse(readFileSync(join(out, "connectivity.json"), "utf8")) as {
      flows: { expect: string; actual: string }[];
    };
    expect(json.flows).toHaveLength(44);
    expect(json.flows.every((f) => f.expect === f.actual)).toBe(true);
  });

  it("checks MirrorMaker 2 against the peer's policies with --peer", async () => {
    const dir = join(examples, "dr-active-passive");
    const alone = await runCli(["render", join(dir, "primary.yaml"), "--out", join(tmp, "p1")]);
    expect(alone.stdout).toMatch(/\nnote: MirrorMaker 2 between payments-weu and payments-neu is checked/);
    const r = await runCli([
      "render",
      join(dir, "primary.yaml"),
      "--peer",
      join(dir, "backup.yaml"),
      "--out",
      join(tmp, "p2"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/note:/);
    expect(r.stdout).toMatch(
      /\nrequired +payments-weu-to-payments-neu-mirrormaker2 \(10\.40\.0\.20\) +payments-weu\/payments-weu-broker +9094 +open +/,
    );
  });

  it("refuses, writing nothing, a definition whose policies block a flow it needs, naming the policy", async () => {
    const file = join(tmp, "blocked.yaml");
    writeFileSync(
      file,
      "apiVersion: kiln.dev/v1\nkind: Cluster\nname: x\nnamespace: k\nkafka: { version: 4.3.1 }\nlisteners:\n  - { name: tls, type: cluster-ip, peers: [{ ipBlock: { cidr: 10.0.0.0/8 } }] }\nconnect:\n  - { name: a }\n",
    );
    const r = await runCli(["render", file, "--out", join(tmp, "blocked-out")], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "blocked.yaml: error: required flow a-connect → x-broker:9093 (Connect a reaches its listener tls) is blocked by NetworkPolicy k/x-network-policy-kafka (Strimzi's); change listeners[tls].peers\n",
    );
    expect(r.stdout).toMatch(/\nrequired +a-connect +x-broker +9093 +BLOCKED +k\/x-network-policy-kafka\n/);
    expect(() => readdirSync(join(tmp, "blocked-out"))).toThrow();
  });

  it("refuses an image that is not pinned by digest", async () => {
    const r = await runCli([
      "render",
      join(examples, "three-zone/cluster.yaml"),
      "--out",
      join(tmp, "x"),
      "--image",
      "cdc=registry.example.com/c:latest",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/must be pinned by digest/);
  });

  it.each([
    [
      "a Connect cluster the file does not have",
      `nosuch=registry.example.com/c@sha256:${"ab".repeat(32)}`,
      /the cluster has no Connect cluster named nosuch \(it has cdc, sinks\)/,
    ],
    [
      "no name",
      `=registry.example.com/c@sha256:${"ab".repeat(32)}`,
      /--image takes <connect-cluster>=<image@sha256:…>, not =registry/,
    ],
    ["no image", "cdc=", /--image takes <connect-cluster>=<image@sha256:…>, not cdc=/],
  ])("refuses --image naming %s: a usage error, nothing written", async (_name, value, message) => {
    const out = join(tmp, `image-${Math.random().toString(36).slice(2)}`);
    const r = await runCli([
      "render",
      join(examples, "three-zone/cluster.yaml"),
      "--out",
      out,
      "--image",
      value,
    ]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(message);
    expect(() => readdirSync(out)).toThrow();
  });

  it("kiln validate runs the same semantic checks on Cluster files", async () => {
    expect((await runCli(["validate", join(examples, "dr-active-active")])).code).toBe(0);
    const file = join(tmp, "same-peer.yaml");
    writeFileSync(
      file,
      "apiVersion: kiln.dev/v1\nkind: Cluster\nname: x\nnamespace: k\nkafka: { version: 4.3.1 }\ndisasterRecovery:\n  mode: active-active\n  peer: { name: x, bootstrapServers: 'x.example.com:9094' }\n",
    );
    const r = await runCli(["validate", file, "--json"], { cwd: tmp });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      diagnostics: { code: string; location: { line: number; path: string } }[];
    };
    expect(out.diagnostics.map((d) => [d.code, d.location.line, d.location.path])).toStrictEqual([
      ["cluster-dr-same-cluster", 8, "disasterRecovery.peer.name"],
    ]);
  });
});
