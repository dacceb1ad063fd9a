import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_USAGE } from "../exit.js";
import { runCli } from "../testing/run-cli.js";

const repo = new URL("../../../", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "kiln-build-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Nothing listens on port 1: no base image is reachable, so nothing is pulled.
const UNREACHABLE = "127.0.0.1:1";
const args = (file: string, ...more: string[]) => [
  "build",
  file,
  "--catalog",
  join(repo, "catalog/connectors"),
  "--lockfile",
  join(repo, "kiln.lock.json"),
  "--out",
  join(tmp, "out"),
  "--insecure-registry",
  UNREACHABLE,
  ...more,
];

describe("kiln build (the repository's catalog and lock)", () => {
  it("a render refusal prints its located message, not an internal error, and writes no manifests", async () => {
    writeFileSync(
      join(tmp, "blocked.yaml"),
      `apiVersion: kiln.dev/v1\nkind: Cluster\nname: x\nnamespace: k\nkafka: { version: 4.3.1 }\nlisteners:\n  - { name: tls, type: cluster-ip, peers: [{ ipBlock: { cidr: 10.0.0.0/8 } }] }\nconnect:\n  - { name: a, image: { base: "${UNREACHABLE}/strimzi/kafka:1" } }\n`,
    );
    const r = await runCli(args("blocked.yaml"), { cwd: tmp, env: { KILN_CACHE: join(tmp, "cache") } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(
      /\nkiln: blocked\.yaml: the NetworkPolicies contradict the cluster's flows:\n {2}required flow a-connect → x-broker:9093 .* is blocked by NetworkPolicy k\/x-network-policy-kafka/,
    );
    expect(() => readdirSync(join(tmp, "out/manifests/x"))).toThrow();
  });

  it("--registry-ca that is not a PEM file is a usage error naming it", async () => {
    writeFileSync(
      join(tmp, "empty.yaml"),
      "apiVersion: kiln.dev/v1\nkind: Cluster\nname: e\nnamespace: k\nkafka: { version: 4.3.1 }\n",
    );
    writeFileSync(join(tmp, "ca.txt"), "not a certificate\n");
    const r = await runCli(args("empty.yaml", "--registry-ca", "ca.txt"), { cwd: tmp });
    expect(r.stderr).toMatch(
      /kiln: --registry-ca ca\.txt is not a PEM certificate file \(it holds no -----BEGIN CERTIFICATE----- block\)\n$/,
    );
    expect(r.code).toBe(EXIT_USAGE);
  });
});
