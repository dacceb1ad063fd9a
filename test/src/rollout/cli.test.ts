import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { admin } from "./fixtures.js";

const repo = new URL("../../../", import.meta.url).pathname;

const kiln = (args: string[], env: NodeJS.ProcessEnv = {}) => runKiln(args, { cwd: repo, env });

describe("kiln render | kiln diff | kiln rollout against a real kube-apiserver", () => {
  it("rolls out a rendered example: dry run, apply, diff clean, re-apply unchanged", async () => {
    const out = await mkdtemp(join(required("workDir"), "rendered-"));
    const rendered = await kiln(["render", "examples/three-zone/cluster.yaml", "--out", out]);
    expect(rendered.stderr).not.toMatch(/^kiln:/m);
    expect(rendered.code).toBe(0);
    const kc = required("kubeconfig");

    const dry = await kiln(["rollout", out, "--kubeconfig", kc, "--dry-run", "--json"]);
    expect(dry.stderr).not.toMatch(/^kiln:/m);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.applied.length).toBeGreaterThan(3);
    expect(plan.applied.every((a: { action: string }) => a.action === "created")).toBe(true);
    const kafka = plan.applied.find((a: { object: string }) => a.object.startsWith("Kafka "))
      .object as string;
    const [ns, name] = kafka.slice("Kafka ".length).split("/");
    const api = admin(kc);
    expect((await api.get(`/apis/kafka.strimzi.io/v1/namespaces/${ns}/kafkas/${name}`)).status).toBe(404);

    const applied = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      new RegExp(
        `^${plan.inventory}: ${plan.applied.length} created, 0 configured, 0 unchanged, 0 pruned\\n`,
      ),
    );
    expect(applied.stderr).toContain(`apply: ${kafka} created`);
    const stored = await api.get(`/apis/kafka.strimzi.io/v1/namespaces/${ns}/kafkas/${name}`);
    expect(stored.body.metadata.labels["kiln.dev/inventory"]).toBe(plan.inventory);

    const clean = await kiln(["diff", out, "--kubeconfig", kc]);
    expect(clean.stdout.slice(0, 3000)).toContain(`0 of ${plan.applied.length} object(s) differ`);
    expect(clean.code).toBe(0);

    const again = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`0 created, 0 configured, ${plan.applied.length} unchanged`);

    // A changed file shows up in diff (exit 2) and nothing is written.
    const file = join(out, "kafka", `kafka-${name}.yaml`);
    const text = await readFile(file, "utf8");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, text.replace(/min\.insync\.replicas: (\d+)/, "min.insync.replicas: 1"));
    const changed = await kiln(["diff", out, "--kubeconfig", kc]);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain(`# ${kafka}: update`);
    expect(changed.stdout).toMatch(/\+\s+min\.insync\.replicas: 1/);
  });

  it("reports an unreachable cluster as one plain line", async () => {
    const { freePort } = await import("../harness/ports.js");
    const { writeFile } = await import("node:fs/promises");
    const dir = await mkdtemp(join(required("workDir"), "kc-"));
    const port = await freePort();
    await writeFile(
      join(dir, "config"),
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
    );
    const manifests = join(dir, "m.yaml");
    await writeFile(manifests, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: b}\n");
    const r = await kiln(["rollout", manifests, "--kubeconfig", join(dir, "config"), "--inventory", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").at(-2)).toBe(
      `kiln: https://127.0.0.1:${port}: cannot reach the Kubernetes API server of context "c": connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("merges KUBECONFIG files like kubectl and honours --context", async () => {
    const { freePort } = await import("../harness/ports.js");
    const { writeFile } = await import("node:fs/promises");
    const { delimiter } = await import("node:path");
    const dir = await mkdtemp(join(required("workDir"), "kc-"));
    const port = await freePort();
    // The first file sets current-context to a cluster that is not there.
    const first = join(dir, "first");
    await writeFile(
      first,
      `apiVersion: v1\nkind: Config\nclusters: [{name: away, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: elsewhere, context: {cluster: away, user: u}}]\ncurrent-context: elsewhere\n`,
    );
    const manifests = join(dir, "m.yaml");
    await writeFile(manifests, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: merged}\ndata: {a: b}\n");
    const KUBECONFIG = [first, required("kubeconfig")].join(delimiter);
    const away = await kiln(["rollout", manifests, "--inventory", "merge", "--dry-run"], { KUBECONFIG });
    expect(away.code).toBe(1);
    expect(away.stderr).toContain('cannot reach the Kubernetes API server of context "elsewhere"');
    const admin = await kiln(
      ["rollout", manifests, "--inventory", "merge", "--dry-run", "--context", "admin"],
      {
        KUBECONFIG,
      },
    );
    expect(admin.stderr).not.toMatch(/^kiln:/m);
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain(
      "merge: 1 created, 0 configured, 0 unchanged, 0 pruned (server dry run: nothing was stored)",
    );
  });
});
