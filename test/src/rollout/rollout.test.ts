import {
  ApplyError,
  diff,
  INVENTORY_LABEL,
  type KubeClient,
  type KubeObject,
  PreflightError,
  type RolloutEvent,
  RolloutWaitError,
  rollout,
} from "@kiln/clusters/rollout";
import { beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { admin, clientFor, clusterObjects, freshNamespace, strimzi } from "./fixtures.js";

describe("kiln rollout against a real kube-apiserver", () => {
  let client: KubeClient;
  let api: ReturnType<typeof admin>;
  beforeAll(() => {
    client = clientFor(required("kubeconfig"));
    api = admin(required("kubeconfig"));
  });

  /** Plays the Strimzi operator: writes the status subresource of one resource. */
  async function writeStatus(
    ns: string,
    plural: string,
    name: string,
    status: (gen: number) => Record<string, unknown>,
  ) {
    let gen = 0;
    for (let i = 0; i < 200 && gen === 0; i++) {
      const r = await api.get(strimzi(ns, plural, name));
      gen = r.status === 200 ? r.body.metadata.generation : 0;
      if (gen === 0) await new Promise((res) => setTimeout(res, 50));
    }
    await api.send(
      "PATCH",
      `${strimzi(ns, plural, name)}/status`,
      { status: status(gen) },
      "application/merge-patch+json",
    );
  }
  const ready = (gen: number) => ({
    observedGeneration: gen,
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date().toISOString() }],
  });

  it("applies in dependency order with field manager kiln, labels the inventory, and creates the namespace", async () => {
    const ns = freshNamespace();
    const events: RolloutEvent[] = [];
    const result = await rollout(client, clusterObjects(ns), {
      inventory: "orders",
      namespace: "default",
      wait: false,
      onEvent: (e) => events.push(e),
    });
    expect(result.applied.map((a) => a.object)).toEqual([
      `ConfigMap ${ns}/orders-metrics`,
      `KafkaUser ${ns}/orders-connect`,
      `Kafka ${ns}/orders`,
      `KafkaNodePool ${ns}/dual`,
      `KafkaConnect ${ns}/orders-connect`,
      `PodMonitor ${ns}/orders-kafka`,
    ]);
    expect(result.applied.every((a) => a.action === "created")).toBe(true);
    expect(events.some((e) => e.message === `namespace ${ns} created`)).toBe(true);

    const kafka = await api.get(strimzi(ns, "kafkas", "orders"));
    expect(kafka.status).toBe(200);
    expect(kafka.body.metadata.labels[INVENTORY_LABEL]).toBe("orders");
    expect(kafka.body.spec.kafka.listeners[0].name).toBe("tls");
    const managers = kafka.body.metadata.managedFields.map(
      (m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`,
    );
    expect(managers).toEqual(["kiln/Apply"]);
    const pm = await api.get(`/apis/monitoring.coreos.com/v1/namespaces/${ns}/podmonitors/orders-kafka`);
    expect(pm.body.spec.podMetricsEndpoints[0].port).toBe("tcp-prometheus");

    // Re-applying the same objects changes nothing the API server stores.
    const before = await api.get(strimzi(ns, "kafkaconnects", "orders-connect"));
    const again = await rollout(client, clusterObjects(ns), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    expect(again.applied.map((a) => a.action)).toEqual(Array(6).fill("unchanged"));
    const after = await api.get(strimzi(ns, "kafkaconnects", "orders-connect"));
    expect(after.body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);
    expect(after.body.metadata.generation).toBe(1);
  });

  it("--dry-run reports what would change and stores nothing", async () => {
    const ns = freshNamespace();
    await rollout(client, clusterObjects(ns), { inventory: "orders", namespace: "default", wait: false });
    const result = await rollout(client, clusterObjects(ns, { connectReplicas: 3 }), {
      inventory: "orders",
      namespace: "default",
      dryRun: true,
    });
    expect(result.dryRun).toBe(true);
    expect(result.applied.find((a) => a.object.startsWith("KafkaConnect"))?.action).toBe("configured");
    expect(result.applied.filter((a) => a.action === "unchanged")).toHaveLength(5);
    const connect = await api.get(strimzi(ns, "kafkaconnects", "orders-connect"));
    expect(connect.body.spec.replicas).toBe(1);

    // A dry run into a fresh namespace creates neither the namespace nor the objects.
    const fresh = freshNamespace();
    const planned = await rollout(client, clusterObjects(fresh), {
      inventory: "orders",
      namespace: "default",
      dryRun: true,
    });
    expect(planned.applied.every((a) => a.action === "created")).toBe(true);
    expect((await api.get(`/api/v1/namespaces/${fresh}`)).status).toBe(404);
  });

  it("diff shows live versus rendered, with Secret values redacted", async () => {
    const ns = freshNamespace();
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "orders-extra", namespace: ns },
      stringData: { password: "s3cr3t-before", user: "orders" },
    };
    await rollout(client, [...clusterObjects(ns), secret], {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    const changedSecret = { ...secret, stringData: { password: "s3cr3t-after", user: "orders" } };
    const { diffs } = await diff(client, [...clusterObjects(ns, { connectReplicas: 2 }), changedSecret], {
      inventory: "orders",
      namespace: "default",
    });
    const connect = diffs.find((d) => d.object === `KafkaConnect ${ns}/orders-connect`);
    expect(connect?.change).toBe("update");
    expect(connect?.diff).toContain("-  replicas: 1\n+  replicas: 2\n");
    expect(diffs.find((d) => d.object === `Kafka ${ns}/orders`)?.change).toBe("unchanged");
    const s = diffs.find((d) => d.object === `Secret ${ns}/orders-extra`);
    expect(s?.note).toContain("Secret values are never read");
    const all = diffs.map((d) => d.diff).join("\n");
    expect(all).not.toMatch(/s3cr3t|czNjcjN0/);
    expect(s?.diff).toBe("");
    // The live Secret still holds the old value: diff stores nothing.
    const live = await api.get(`/api/v1/namespaces/${ns}/secrets/orders-extra`);
    expect(Buffer.from(live.body.data.password, "base64").toString()).toBe("s3cr3t-before");
  });

  it("waits until the operator reports Ready for the current generation", async () => {
    const ns = freshNamespace();
    const events: RolloutEvent[] = [];
    const running = rollout(client, clusterObjects(ns), {
      inventory: "orders",
      namespace: "default",
      timeoutMs: 30_000,
      onEvent: (e) => events.push(e),
    });
    await writeStatus(ns, "kafkausers", "orders-connect", ready);
    await writeStatus(ns, "kafkaconnects", "orders-connect", ready);
    // Kafka first reports an older generation, then catches up.
    await writeStatus(ns, "kafkas", "orders", (gen) => ({ ...ready(gen), observedGeneration: gen - 1 }));
    await new Promise((r) => setTimeout(r, 300));
    await writeStatus(ns, "kafkas", "orders", ready);
    const result = await running;
    expect(result.ready.sort()).toEqual([
      `Kafka ${ns}/orders`,
      `KafkaConnect ${ns}/orders-connect`,
      `KafkaUser ${ns}/orders-connect`,
    ]);
    expect(events.some((e) => e.phase === "wait" && e.message === `Kafka ${ns}/orders: Ready`)).toBe(true);
  });

  it("fails with the resource, condition and operator message when it stays NotReady", async () => {
    const ns = freshNamespace();
    const running = rollout(client, clusterObjects(ns), {
      inventory: "orders",
      namespace: "default",
      timeoutMs: 8_000,
    });
    await writeStatus(ns, "kafkausers", "orders-connect", ready);
    await writeStatus(ns, "kafkaconnects", "orders-connect", ready);
    await writeStatus(ns, "kafkas", "orders", (gen) => ({
      observedGeneration: gen,
      conditions: [
        {
          type: "NotReady",
          status: "True",
          reason: "InvalidResourceException",
          message: "Kafka version 4.3.1 is not supported by this operator",
        },
      ],
    }));
    const err = await running.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RolloutWaitError);
    const e = err as RolloutWaitError;
    expect(e.failures).toEqual([
      {
        object: `Kafka ${ns}/orders`,
        condition: "NotReady=True",
        reason: "InvalidResourceException",
        message: "Kafka version 4.3.1 is not supported by this operator",
      },
    ]);
    expect(e.userMessage).toContain("1 of 3 resources did not become ready within 8s");
  });

  it("times out naming the generation the operator never observed", async () => {
    const ns = freshNamespace();
    await rollout(client, clusterObjects(ns), { inventory: "orders", namespace: "default", wait: false });
    for (const [plural, name] of [
      ["kafkas", "orders"],
      ["kafkausers", "orders-connect"],
      ["kafkaconnects", "orders-connect"],
    ] as const)
      await writeStatus(ns, plural, name, ready);
    // A spec change bumps the generation; the "operator" never catches up.
    const err = await rollout(client, clusterObjects(ns, { connectReplicas: 2 }), {
      inventory: "orders",
      namespace: "default",
      timeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RolloutWaitError);
    const e = err as RolloutWaitError;
    expect(e.failures.map((f) => f.object)).toEqual([`KafkaConnect ${ns}/orders-connect`]);
    expect(e.failures[0]?.message).toContain("the operator has observed generation 1, not 2 yet");
    expect(e.userMessage).toContain(`is the Strimzi cluster operator running and watching namespace ${ns}?`);
  });

  it("prunes only labelled objects of this inventory, and only with --prune", async () => {
    const ns = freshNamespace();
    const audit: KubeObject = {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: "orders-audit", namespace: ns, labels: { "strimzi.io/cluster": "orders" } },
      spec: { authentication: { type: "tls" } },
    };
    await rollout(client, [...clusterObjects(ns), audit], {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    // Neighbours: an unlabelled ConfigMap, and one of another inventory.
    await api.send("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "hand-made" },
      data: { a: "1" },
    });
    await api.send("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: "payments-metrics", labels: { [INVENTORY_LABEL]: "payments" } },
      data: { a: "1" },
    });
    const without = clusterObjects(ns).filter((o) => o.kind !== "PodMonitor");
    const kept = await rollout(client, without, { inventory: "orders", namespace: "default", wait: false });
    expect(kept.prunable.sort()).toEqual([`KafkaUser ${ns}/orders-audit`, `PodMonitor ${ns}/orders-kafka`]);
    expect((await api.get(strimzi(ns, "kafkausers", "orders-audit"))).status).toBe(200);

    const dry = await rollout(client, without, {
      inventory: "orders",
      namespace: "default",
      prune: true,
      dryRun: true,
    });
    expect(dry.pruned.sort()).toEqual([`KafkaUser ${ns}/orders-audit`, `PodMonitor ${ns}/orders-kafka`]);
    expect((await api.get(strimzi(ns, "kafkausers", "orders-audit"))).status).toBe(200);

    const pruned = await rollout(client, without, {
      inventory: "orders",
      namespace: "default",
      prune: true,
      wait: false,
    });
    expect(pruned.pruned).toEqual([`PodMonitor ${ns}/orders-kafka`, `KafkaUser ${ns}/orders-audit`]);
    expect((await api.get(strimzi(ns, "kafkausers", "orders-audit"))).status).toBe(404);
    expect((await api.get(strimzi(ns, "kafkausers", "orders-connect"))).status).toBe(200);
    expect(
      (await api.get(`/apis/monitoring.coreos.com/v1/namespaces/${ns}/podmonitors/orders-kafka`)).status,
    ).toBe(404);
    expect((await api.get(`/api/v1/namespaces/${ns}/configmaps/hand-made`)).status).toBe(200);
    expect((await api.get(`/api/v1/namespaces/${ns}/configmaps/payments-metrics`)).status).toBe(200);
    expect((await api.get(strimzi(ns, "kafkas", "orders"))).status).toBe(200);
  });

  it("holds broker scale-downs back unless allowed, and warns about strimzi.io/remove-node-ids", async () => {
    const ns = freshNamespace();
    await rollout(client, clusterObjects(ns, { brokers: 5 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    const err = await rollout(client, clusterObjects(ns, { brokers: 3 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).userMessage).toContain(
      `KafkaNodePool ${ns}/dual shrinks from 5 to 3 brokers, but the leaving brokers may still hold partitions: the operator has not reported the pool's node ids (status.nodeIds)`,
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "dual"))).body.spec.replicas).toBe(5);

    const objs = clusterObjects(ns, { brokers: 3 });
    const pool = objs.find((o) => o.kind === "KafkaNodePool") as KubeObject;
    pool.metadata.annotations = { "strimzi.io/remove-node-ids": "[3,4]" };
    const events: RolloutEvent[] = [];
    const result = await rollout(client, objs, {
      inventory: "orders",
      namespace: "default",
      wait: false,
      allowScaleDown: true,
      onEvent: (e) => events.push(e),
    });
    expect(result.applied.at(-1)?.object).toBe(`KafkaNodePool ${ns}/dual`);
    expect(
      events.some((e) => e.phase === "warning" && e.message.includes("strimzi.io/remove-node-ids=[3,4]")),
    ).toBe(true);
    expect((await api.get(strimzi(ns, "kafkanodepools", "dual"))).body.spec.replicas).toBe(3);
  });

  describe("bad input: a clear error and nothing half-applied", () => {
    it("a referenced Secret that does not exist", async () => {
      const ns = freshNamespace();
      const objs = clusterObjects(ns);
      const connect = objs.find((o) => o.kind === "KafkaConnect") as KubeObject;
      (connect.spec as Record<string, unknown>).authentication = {
        type: "scram-sha-512",
        username: "orders-connect",
        passwordSecret: { secretName: "orders-connect-password", password: "password" },
      };
      const err = await rollout(client, objs, { inventory: "orders", namespace: "default" }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PreflightError);
      expect((err as PreflightError).problems).toEqual([
        `KafkaConnect ${ns}/orders-connect references Secret ${ns}/orders-connect-password (spec.authentication.passwordSecret.secretName), which does not exist`,
      ]);
      expect((err as PreflightError).userMessage).toContain("nothing was applied");
      expect((await api.get(`/api/v1/namespaces/${ns}`)).status).toBe(404);
    });

    it("a field owned by another manager", async () => {
      const ns = freshNamespace();
      await api.send("POST", "/api/v1/namespaces", { metadata: { name: ns } });
      await api.send(
        "PATCH",
        `/api/v1/namespaces/${ns}/configmaps/orders-metrics?fieldManager=helm`,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "orders-metrics" },
          data: { "kafka.yml": "from: helm\n" },
        },
        "application/apply-patch+yaml",
      );
      const err = await rollout(client, clusterObjects(ns), {
        inventory: "orders",
        namespace: "default",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreflightError);
      expect((err as PreflightError).problems).toEqual([
        `ConfigMap ${ns}/orders-metrics: field conflict — .data.kafka.yml is owned by field manager "helm" (change it where "helm" sets it, or pass --force-conflicts)`,
      ]);
      expect((await api.get(strimzi(ns, "kafkas", "orders"))).status).toBe(404);
      const cm = await api.get(`/api/v1/namespaces/${ns}/configmaps/orders-metrics`);
      expect(cm.body.data["kafka.yml"]).toBe("from: helm\n");

      await rollout(client, clusterObjects(ns), {
        inventory: "orders",
        namespace: "default",
        wait: false,
        forceConflicts: true,
      });
      const taken = await api.get(`/api/v1/namespaces/${ns}/configmaps/orders-metrics`);
      expect(taken.body.data["kafka.yml"]).toBe("lowercaseOutputName: true\n");
    });

    it("an object that belongs to another cluster definition", async () => {
      const ns = freshNamespace();
      await api.send("POST", "/api/v1/namespaces", { metadata: { name: ns } });
      await api.send("POST", `/api/v1/namespaces/${ns}/configmaps`, {
        metadata: { name: "orders-metrics", labels: { [INVENTORY_LABEL]: "payments" } },
        data: { "kafka.yml": "x" },
      });
      const err = await rollout(client, clusterObjects(ns), {
        inventory: "orders",
        namespace: "default",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreflightError);
      // Both are true: another inventory owns it, and another manager owns its fields.
      expect((err as PreflightError).problems).toContain(
        `ConfigMap ${ns}/orders-metrics belongs to inventory "payments" (label kiln.dev/inventory); kiln does not move objects between cluster definitions — rename it, or remove the label if the move is intended`,
      );
      expect((err as PreflightError).problems).toHaveLength(2);
      const cm = await api.get(`/api/v1/namespaces/${ns}/configmaps/orders-metrics`);
      expect(cm.body.metadata.labels[INVENTORY_LABEL]).toBe("payments");
      expect((await api.get(strimzi(ns, "kafkas", "orders"))).status).toBe(404);
    });

    it("a field the CRD does not define (strict validation)", async () => {
      const ns = freshNamespace();
      await api.send("POST", "/api/v1/namespaces", { metadata: { name: ns } });
      const objs = clusterObjects(ns);
      const kafka = objs.find((o) => o.kind === "Kafka") as KubeObject;
      (kafka.spec as { kafka: Record<string, unknown> }).kafka.replicas = 3;
      const err = await rollout(client, objs, { inventory: "orders", namespace: "default" }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PreflightError);
      expect((err as PreflightError).problems.join("\n")).toMatch(
        /Kafka .*\/orders: .*\.spec\.kafka\.replicas: field not declared in schema/,
      );
      expect((await api.get(`/api/v1/namespaces/${ns}/configmaps/orders-metrics`)).status).toBe(404);

      // In a namespace that does not exist yet, the dry run runs once it is created, still before any object.
      const fresh = freshNamespace();
      const later = clusterObjects(fresh);
      (
        (later.find((o) => o.kind === "Kafka") as KubeObject).spec as { kafka: Record<string, unknown> }
      ).kafka.replicas = 3;
      const err2 = await rollout(client, later, { inventory: "orders", namespace: "default" }).catch(
        (e: unknown) => e,
      );
      expect(err2).toBeInstanceOf(ApplyError);
      expect((err2 as ApplyError).userMessage).toMatch(
        new RegExp(
          `^the server-side dry run failed, so nothing was applied \\(namespace ${fresh} was created and left in place\\):\\n  - Kafka ${fresh}/orders: .*field not declared in schema`,
        ),
      );
      expect((await api.get(`/api/v1/namespaces/${fresh}/configmaps/orders-metrics`)).status).toBe(404);
    });

    it("RBAC denial names the user, verb, resource and namespace", async () => {
      const ns = freshNamespace();
      await api.send("POST", "/api/v1/namespaces", { metadata: { name: ns } });
      await api.send("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
        metadata: { name: "configmaps-only" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "patch"] }],
      });
      await api.send("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        metadata: { name: "limited" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmaps-only" },
        subjects: [{ kind: "User", name: "kiln-limited", apiGroup: "rbac.authorization.k8s.io" }],
      });
      const limited = clientFor(required("kubeconfig"), "limited");
      const err = await rollout(limited, clusterObjects(ns), {
        inventory: "orders",
        namespace: "default",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreflightError);
      const problems = (err as PreflightError).problems;
      expect(problems).toContain(
        `user "kiln-limited" may not patch kafkas.kafka.strimzi.io in namespace ${ns} (needed to apply Kafka ${ns}/orders)`,
      );
      expect(problems).toContain(
        `user "kiln-limited" may not watch kafkas.kafka.strimzi.io in namespace ${ns} (needed to wait for Kafka ${ns}/orders)`,
      );
      expect(problems.some((p) => p.includes("configmaps"))).toBe(false);
      expect((await api.get(`/api/v1/namespaces/${ns}/configmaps/orders-metrics`)).status).toBe(404);
    });

    it("an unreachable API server", async () => {
      const { freePort } = await import("../harness/ports.js");
      const { writeFile, mkdtemp } = await import("node:fs/promises");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const dir = await mkdtemp(join(tmpdir(), "kiln-kc-"));
      const port = await freePort();
      const file = join(dir, "config");
      await writeFile(
        file,
        `apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n`,
      );
      const err = await rollout(clientFor(file), clusterObjects("x"), {
        inventory: "orders",
        namespace: "default",
      }).catch((e: unknown) => e);
      expect((err as Error).constructor.name).toBe("KubeUnreachableError");
      expect((err as { userMessage: string }).userMessage).toMatch(
        /^cannot reach the Kubernetes API server of context "gone": connect ECONNREFUSED/,
      );
      expect((err as { location: { url: string } }).location.url).toBe(`https://127.0.0.1:${port}`);
    });
  });

  it("says what was and was not applied when applying stops part-way", async () => {
    // The dry run checks each object against a ResourceQuota alone; applied together, the third exceeds it.
    const ns = freshNamespace();
    await api.send("POST", "/api/v1/namespaces", { metadata: { name: ns } });
    await api.send("POST", `/api/v1/namespaces/${ns}/resourcequotas`, {
      metadata: { name: "two-configmaps" },
      spec: { hard: { "count/configmaps": "2" } },
    });
    // No controller manager runs: play the quota controller once.
    await api.send(
      "PATCH",
      `/api/v1/namespaces/${ns}/resourcequotas/two-configmaps/status`,
      { status: { hard: { "count/configmaps": "2" }, used: { "count/configmaps": "0" } } },
      "application/merge-patch+json",
    );
    const cm = (name: string): KubeObject => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: ns },
      data: { a: name },
    });
    const err = await rollout(client, [cm("a"), cm("b"), cm("c")], {
      inventory: "quota",
      namespace: "default",
      wait: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).userMessage).toMatch(
      new RegExp(
        `apply failed at ConfigMap ${ns}/c: .*exceeded quota.* — applied: ConfigMap ${ns}/a, ConfigMap ${ns}/b; not applied: ConfigMap ${ns}/c`,
      ),
    );
  });
});
