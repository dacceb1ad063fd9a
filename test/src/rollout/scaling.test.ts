// Broker scaling against the real kube-apiserver with the real Strimzi CRDs: the rendered
// autoscaler's scaleTargetRef reaches the KafkaNodePool's scale subresource (as the HPA
// controller resolves it), kiln rollout keeps the size the autoscaler chose, and a broker pool
// shrinks only through a remove-brokers rebalance. No operator runs here: the test writes the
// status Strimzi would write (node ids, auto-rebalance progress, a rebalance's Ready condition).
import {
  type KubeClient,
  type KubeObject,
  PreflightError,
  type RolloutEvent,
  rollout,
} from "@kiln/clusters/rollout";
import { beforeAll, describe, expect, it } from "vitest";
import { renderCluster } from "../../../clusters/src/render/index.js";
import { loadCluster } from "../../../clusters/src/testing/examples.js";
import { required } from "../harness/inject.js";
import { admin, clientFor, freshNamespace, strimzi } from "./fixtures.js";

interface FileOptions {
  autoRebalance: boolean;
  /** The autoscaler's maximum; without, the pool is not autoscaled. */
  max?: number;
  replicas?: number;
}

/** A Cluster file as a user writes it: dedicated controllers, a broker pool (autoscaled with `max`). */
function clusterFile(ns: string, opts: FileOptions): string {
  return `apiVersion: kiln.dev/v1
kind: Cluster
name: orders
namespace: ${ns}
kafka: { version: 4.3.1 }
nodePools:
  - { name: controllers, roles: [controller], replicas: 3, storage: { type: persistent-claim, size: 10Gi } }
  - name: brokers
    roles: [broker]
    replicas: ${opts.replicas ?? 3}
    storage: { type: jbod, volumes: [{ size: 100Gi }] }
    resources: { requests: { cpu: "1", memory: 4Gi }, limits: { memory: 4Gi } }
scaling:
  cruiseControl: { autoRebalance: ${opts.autoRebalance} }
${opts.max ? `  autoscaling:\n    - { pool: brokers, maxReplicas: ${opts.max} }\n` : ""}`;
}

function rendered(ns: string, opts: FileOptions): KubeObject[] {
  const { cluster } = loadCluster(clusterFile(ns, opts), "orders.yaml");
  return renderCluster(cluster).items.map((i) => i.object as unknown as KubeObject);
}

describe("broker scaling against a real kube-apiserver", () => {
  let client: KubeClient;
  let api: ReturnType<typeof admin>;
  beforeAll(() => {
    client = clientFor(required("kubeconfig"));
    api = admin(required("kubeconfig"));
  });

  const merge = (path: string, body: unknown) =>
    api.send("PATCH", path, body, "application/merge-patch+json");

  /** What Strimzi reports for a node pool: its node ids and the selector of its pods. */
  async function poolStatus(ns: string, nodeIds: number[]) {
    const pool = await api.get(strimzi(ns, "kafkanodepools", "brokers"));
    await merge(`${strimzi(ns, "kafkanodepools", "brokers")}/status`, {
      status: {
        observedGeneration: pool.body.metadata.generation,
        replicas: nodeIds.length,
        nodeIds,
        labelSelector:
          "strimzi.io/cluster=orders,strimzi.io/name=orders-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=brokers",
        roles: ["broker"],
      },
    });
  }
  /** Plays the HPA controller: an update of the pool's scale subresource. */
  async function scaleTo(ns: string, replicas: number) {
    const path = `${strimzi(ns, "kafkanodepools", "brokers")}/scale`;
    const scale = await api.get(path);
    await api.send(
      "PUT",
      `${path}?fieldManager=kube-controller-manager`,
      { ...scale.body, spec: { replicas } },
      "application/json",
    );
  }
  async function kafkaReady(ns: string, autoRebalance?: Record<string, unknown>) {
    const kafka = await api.get(strimzi(ns, "kafkas", "orders"));
    await merge(`${strimzi(ns, "kafkas", "orders")}/status`, {
      status: {
        observedGeneration: kafka.body.metadata.generation,
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date().toISOString() }],
        ...(autoRebalance ? { autoRebalance } : {}),
      },
    });
  }

  it("rolls out Cruise Control, the rebalance templates and the autoscaler; the autoscaler's target scales through its scale subresource and kiln keeps the size it chose", async () => {
    const ns = freshNamespace("scale");
    const first = await rollout(client, rendered(ns, { autoRebalance: true, max: 9 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    expect(first.applied.map((a) => a.object)).toEqual(
      expect.arrayContaining([
        `KafkaRebalance ${ns}/orders-add-brokers`,
        `KafkaRebalance ${ns}/orders-remove-brokers`,
        `HorizontalPodAutoscaler ${ns}/orders-brokers`,
      ]),
    );
    // The templates are applied before the Kafka that names them.
    const order = first.applied.map((a) => a.object);
    expect(order.indexOf(`KafkaRebalance ${ns}/orders-remove-brokers`)).toBeLessThan(
      order.indexOf(`Kafka ${ns}/orders`),
    );
    const kafka = await api.get(strimzi(ns, "kafkas", "orders"));
    expect(kafka.body.spec.cruiseControl.autoRebalance.map((m: { mode: string }) => m.mode)).toEqual([
      "add-brokers",
      "remove-brokers",
    ]);
    await poolStatus(ns, [3, 4, 5]);

    // The HPA controller's way to its target: the stored scaleTargetRef, discovery, then /scale.
    const hpa = await api.get(
      `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/orders-brokers`,
    );
    const ref = hpa.body.spec.scaleTargetRef as { apiVersion: string; kind: string; name: string };
    expect(ref.kind).toBe("KafkaNodePool");
    const discovery = await api.get(`/apis/${ref.apiVersion}`);
    const resource = (discovery.body.resources as { name: string; kind: string }[]).find(
      (r) => r.kind === ref.kind && !r.name.includes("/"),
    );
    expect(
      (discovery.body.resources as { name: string }[]).some((r) => r.name === `${resource?.name}/scale`),
    ).toBe(true);
    const scalePath = `/apis/${ref.apiVersion}/namespaces/${ns}/${resource?.name}/${ref.name}/scale`;
    const scale = await api.get(scalePath);
    expect(scale.body).toMatchObject({
      kind: "Scale",
      spec: { replicas: 3 },
      status: {
        replicas: 3,
        selector:
          "strimzi.io/cluster=orders,strimzi.io/name=orders-kafka,strimzi.io/kind=Kafka,strimzi.io/pool-name=brokers",
      },
    });
    // The autoscaler grows the pool to 6 (as the HPA controller writes: an update of the scale subresource).
    await api.send(
      "PUT",
      `${scalePath}?fieldManager=kube-controller-manager`,
      { ...scale.body, spec: { replicas: 6 } },
      "application/json",
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "brokers"))).body.spec.replicas).toBe(6);

    // kiln rollout of the same file keeps the autoscaler's 6 (the file says 3): no conflict, no
    // change of size (kiln only joins the autoscaler as an owner of the value), then nothing at all.
    const events: RolloutEvent[] = [];
    await rollout(client, rendered(ns, { autoRebalance: true, max: 9 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
      onEvent: (e) => events.push(e),
    });
    expect(events.map((e) => e.message)).toContain(
      `KafkaNodePool ${ns}/brokers is autoscaled by HorizontalPodAutoscaler ${ns}/orders-brokers: it keeps the 6 replicas its autoscaler chose (the file says 3)`,
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "brokers"))).body.spec.replicas).toBe(6);
    const again = await rollout(client, rendered(ns, { autoRebalance: true, max: 9 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    expect(again.applied.every((a) => a.action === "unchanged")).toBe(true);
  });

  it("with auto-rebalance, a maximum below the pool's size is applied last and the rollout waits until Strimzi's remove-brokers rebalance has let the brokers go", async () => {
    const ns = freshNamespace("scale");
    await rollout(client, rendered(ns, { autoRebalance: true, max: 9 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    await scaleTo(ns, 6);
    await poolStatus(ns, [3, 4, 5, 6, 7, 8]);
    await kafkaReady(ns);

    // Plays the HPA controller (a lower maximum scales the pool down) and Strimzi (rebalance, then remove).
    const operators = (async () => {
      const hpa = `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/orders-brokers`;
      for (let i = 0; i < 300 && (await api.get(hpa)).body.spec.maxReplicas !== 4; i++)
        await new Promise((r) => setTimeout(r, 100));
      await scaleTo(ns, 4);
      await kafkaReady(ns, {
        state: "RebalanceOnScaleDown",
        lastTransitionTime: new Date().toISOString(),
        modes: [{ mode: "remove-brokers", brokers: [7, 8] }],
      });
      // Long enough for the rollout (polling every 2 s) to see the rebalance running.
      await new Promise((r) => setTimeout(r, 5000));
      await poolStatus(ns, [3, 4, 5, 6]);
      await kafkaReady(ns, { state: "Idle", lastTransitionTime: new Date().toISOString() });
    })();
    const events: RolloutEvent[] = [];
    const result = await rollout(client, rendered(ns, { autoRebalance: true, max: 4 }), {
      inventory: "orders",
      namespace: "default",
      timeoutMs: 60_000,
      onEvent: (e) => events.push(e),
    });
    await operators;
    expect(result.applied.at(-1)?.object).toBe(`HorizontalPodAutoscaler ${ns}/orders-brokers`);
    const messages = events.map((e) => e.message);
    expect(messages).toContain(
      `KafkaNodePool ${ns}/brokers shrinks from 6 to 4 brokers: Strimzi moves the partitions of brokers 7, 8 off with a remove-brokers rebalance (template orders-remove-brokers) before it removes them; applied last`,
    );
    expect(
      messages.some((m) => m.includes("auto-rebalance RebalanceOnScaleDown (remove-brokers [7, 8])")),
    ).toBe(true);
    expect(messages.at(-1)).toBe(`KafkaNodePool ${ns}/brokers: brokers 7, 8 left`);
  });

  it("without auto-rebalance, refuses to shrink until a remove-brokers rebalance covering the leaving brokers is Ready", async () => {
    const ns = freshNamespace("scale");
    await rollout(client, rendered(ns, { autoRebalance: false, replicas: 6 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
    });
    const list = await api.get(strimzi(ns, "kafkarebalances"));
    expect(list.body.items).toStrictEqual([]);
    await poolStatus(ns, [3, 4, 5, 6, 7, 8]);

    const shrink = () =>
      rollout(client, rendered(ns, { autoRebalance: false, replicas: 4 }), {
        inventory: "orders",
        namespace: "default",
        wait: false,
      });
    const refused = await shrink().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PreflightError);
    expect((refused as PreflightError).userMessage).toContain(
      `KafkaNodePool ${ns}/brokers shrinks from 6 to 4 brokers, but brokers 7, 8 may still hold partitions: no remove-brokers rebalance has moved their partitions. Move them first: create a KafkaRebalance (labels strimzi.io/cluster: orders; spec: mode remove-brokers, brokers [7, 8])`,
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "brokers"))).body.spec.replicas).toBe(6);

    // The rebalance a user creates; Cruise Control (played here) has not finished it yet.
    await api.send("POST", strimzi(ns, "kafkarebalances"), {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaRebalance",
      metadata: { name: "drain-7-8", labels: { "strimzi.io/cluster": "orders" } },
      spec: { mode: "remove-brokers", brokers: [7, 8] },
    });
    const rebalanceStatus = (type: string) =>
      merge(`${strimzi(ns, "kafkarebalances", "drain-7-8")}/status`, {
        status: { conditions: [{ type, status: "True", lastTransitionTime: new Date().toISOString() }] },
      });
    await rebalanceStatus("Rebalancing");
    const stillRefused = await shrink().catch((e: unknown) => e);
    expect((stillRefused as PreflightError).userMessage).toContain(
      `their remove-brokers rebalance is not done (KafkaRebalance ${ns}/drain-7-8 is Rebalancing)`,
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "brokers"))).body.spec.replicas).toBe(6);

    await rebalanceStatus("Ready");
    const events: RolloutEvent[] = [];
    const done = await rollout(client, rendered(ns, { autoRebalance: false, replicas: 4 }), {
      inventory: "orders",
      namespace: "default",
      wait: false,
      onEvent: (e) => events.push(e),
    });
    expect(done.applied.at(-1)?.object).toBe(`KafkaNodePool ${ns}/brokers`);
    expect(events.map((e) => e.message)).toContain(
      `KafkaNodePool ${ns}/brokers shrinks from 6 to 4 brokers: KafkaRebalance ${ns}/drain-7-8 (remove-brokers, brokers 7, 8) is Ready, so the partitions of brokers 7, 8 have moved; applied last`,
    );
    expect((await api.get(strimzi(ns, "kafkanodepools", "brokers"))).body.spec.replicas).toBe(4);
  });
});
