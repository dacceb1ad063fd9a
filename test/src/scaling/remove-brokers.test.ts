// A broker leaves its pool only after its partitions have moved, on real brokers: `kiln up`
// runs the rendered cluster (three brokers), `kiln rollout` (against the real kube-apiserver)
// refuses to shrink the pool while broker 2 holds replicas, and opens only once a remove-brokers
// KafkaRebalance covering it is Ready. Cruise Control itself is not available from the
// registries reached here, so the test stands in for it and for the operator: it executes the
// rebalance with Kafka's own reassignment API (alterPartitionReassignments) on the real brokers
// and writes the status Strimzi would. Afterwards broker 2 is stopped and nothing is lost.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { LocalEnvironment } from "@kiln/local";
import { stopProcessGroup } from "@kiln/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { stderrLog4j2 } from "../harness/kafka/clients.js";
import { compileJava, javaBin, javaFlags } from "../harness/kafka/index.js";
import { admin } from "../rollout/fixtures.js";
import { kilnDown, kilnUp } from "../security/support.js";

const run = promisify(execFile);
const NS = "kiln-scaling";

function clusterFile(brokers: number): string {
  return `apiVersion: kiln.dev/v1
kind: Cluster
name: shop
namespace: ${NS}
kafka: { version: 4.3.1, replicationFactor: 2, minInsyncReplicas: 1 }
nodePools:
  - { name: brokers, roles: [broker], replicas: ${brokers}, storage: { type: ephemeral } }
  - { name: controllers, roles: [controller], replicas: 1, storage: { type: ephemeral } }
listeners:
  - { name: tls, port: 9093, type: internal, authentication: { type: tls } }
scaling:
  cruiseControl: { autoRebalance: false }
monitoring: { enabled: false }
`;
}

interface Placement {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
}

describe("a broker leaves only after its partitions moved (kiln up, kube-apiserver)", () => {
  let dir: string;
  let state: string;
  let env: LocalEnvironment;
  let classpath: string;
  let log4j: string;
  let api: ReturnType<typeof admin>;
  const kiln = (args: string[]) => runKiln(args, { cwd: dir, env: process.env });

  /** Kafka's admin and clients as Strimzi's topic operator (a super-user), names resolved like pods'. */
  async function kafka<T>(...args: string[]): Promise<T[]> {
    const { stdout } = await run(
      javaBin(),
      [
        ...javaFlags("128m"),
        `-Dlog4j2.configurationFile=${log4j}`,
        `-Djdk.net.hosts.file=${env.hostsFile}`,
        "-cp",
        classpath,
        "KilnRemoveBrokers",
        env.clusters[0]?.topicOperatorConfig ?? "",
        ...args,
      ],
      { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as T);
  }
  const onBroker = (placement: Placement[], id: number) => placement.filter((p) => p.replicas.includes(id));

  beforeAll(async () => {
    dir = await mkdtemp(join(required("workDir"), "scaling-"));
    state = join(dir, "state");
    api = admin(required("kubeconfig"));
    [classpath, log4j] = await Promise.all([
      compileJava(fileURLToPath(new URL("./KilnRemoveBrokers.java", import.meta.url))).then(
        (c) => c.classpath,
      ),
      stderrLog4j2(),
    ]);
    await writeFile(join(dir, "shop.yaml"), clusterFile(3));
    const started = Date.now();
    env = await kilnUp(dir, ["shop.yaml", "--state", state]);
    console.log(`kiln up: 3 brokers and a controller in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
  afterAll(async () => {
    if (state) await kilnDown(dir, state).catch(() => {});
  });

  it("refuses the shrink while broker 2 holds replicas, and opens once the remove-brokers rebalance moved them", async () => {
    expect(env.clusters[0]?.skipped.join("\n")).toContain("Cruise Control: kiln up runs the Kafka nodes");
    const brokers = (env.clusters[0]?.nodes ?? []).filter((n) => n.roles.includes("broker"));
    expect(brokers.map((b) => b.nodeId)).toStrictEqual([0, 1, 2]);
    for (const t of ["orders", "payments"]) await kafka("create", t, "6", "2");
    await kafka("produce", "orders", "500");
    const before = await kafka<Placement>("placement");
    expect(onBroker(before, 2).length).toBeGreaterThan(0);

    // The cluster as Kubernetes knows it: rendered and rolled out by kiln, the pool's node ids
    // reported as Strimzi would (from the same model kiln up started the brokers from).
    const kc = required("kubeconfig");
    const out = join(dir, "rendered");
    expect((await kiln(["render", "shop.yaml", "--out", out])).code).toBe(0);
    const first = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(first.stderr).not.toMatch(/^kiln:/m);
    expect(first.code).toBe(0);
    const pool = `/apis/kafka.strimzi.io/v1/namespaces/${NS}/kafkanodepools/brokers`;
    await api.send(
      "PATCH",
      `${pool}/status`,
      { status: { replicas: 3, nodeIds: brokers.map((b) => b.nodeId), roles: ["broker"] } },
      "application/merge-patch+json",
    );

    // The user shrinks the pool in the Cluster file: refused, with the broker and the rebalance to run.
    await writeFile(join(dir, "shop.yaml"), clusterFile(2));
    expect((await kiln(["render", "shop.yaml", "--out", out])).code).toBe(0);
    const refused = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      `KafkaNodePool ${NS}/brokers shrinks from 3 to 2 brokers, but broker 2 may still hold partitions: no remove-brokers rebalance has moved their partitions. Move them first: create a KafkaRebalance (labels strimzi.io/cluster: shop; spec: mode remove-brokers, brokers [2])`,
    );
    expect((await api.get(pool)).body.spec.replicas).toBe(3);

    // The rebalance the message asks for; the stand-in Cruise Control executes it on the real brokers.
    const rebalances = `/apis/kafka.strimzi.io/v1/namespaces/${NS}/kafkarebalances`;
    await api.send("POST", rebalances, {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaRebalance",
      metadata: {
        name: "shop-drain-2",
        labels: { "strimzi.io/cluster": "shop" },
        annotations: { "strimzi.io/rebalance-auto-approval": "true" },
      },
      spec: { mode: "remove-brokers", brokers: [2] },
    });
    const status = (type: string) =>
      api.send(
        "PATCH",
        `${rebalances}/shop-drain-2/status`,
        { status: { conditions: [{ type, status: "True", lastTransitionTime: new Date().toISOString() }] } },
        "application/merge-patch+json",
      );
    await status("Rebalancing");
    const requested = (await api.get(`${rebalances}/shop-drain-2`)).body.spec as { brokers: number[] };
    const executing = kafka<{ moved: number }>("move-off", requested.brokers.join(","));
    const whileMoving = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(whileMoving.code).not.toBe(0);
    expect(whileMoving.stderr).toContain(
      `their remove-brokers rebalance is not done (KafkaRebalance ${NS}/shop-drain-2 is Rebalancing)`,
    );
    const [moved] = await executing;
    expect(moved?.moved).toBe(onBroker(before, 2).length);
    const after = await kafka<Placement>("placement");
    expect(onBroker(after, 2)).toStrictEqual([]);
    expect(after.every((p) => p.replicas.length === 2 && p.isr.length === 2)).toBe(true);
    await status("Ready");

    // Only now does the gate open.
    const applied = await kiln(["rollout", out, "--kubeconfig", kc, "--no-wait"]);
    expect(applied.stderr).not.toMatch(/^kiln:/m);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(
      `KafkaNodePool ${NS}/brokers shrinks from 3 to 2 brokers: KafkaRebalance ${NS}/shop-drain-2 (remove-brokers, brokers 2) is Ready, so the partitions of broker 2 have moved; applied last`,
    );
    expect((await api.get(pool)).body.spec.replicas).toBe(2);

    // Strimzi removes broker 2 (here: its process stops); every partition keeps both replicas, every record.
    await stopProcessGroup(brokers[2]?.pid ?? 0);
    const gone = await kafka<Placement>("placement");
    expect(gone.every((p) => p.replicas.length === 2 && p.isr.length === 2 && p.leader !== 2)).toBe(true);
    const [consumed] = await kafka<{ consumed: number }>("consume", "orders", "after-removal", "500");
    expect(consumed?.consumed).toBe(500);
  });
});
