import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { type KubeClient, PreflightError, rollout } from "@kiln/clusters/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import {
  ADMIN_TOKEN,
  deleteCrds,
  installCrds,
  type KubeApiserver,
  referenceCrds,
  startKubeApiserver,
} from "../services/kube-apiserver.js";
import { admin, clientFor, clusterObjects, freshNamespace } from "./fixtures.js";

// A second API server on the shared etcd, under its own prefix: it starts with
// no CRDs at all, so the suite can take them away and put back wrong ones
// without disturbing the other suites.
describe("preflight against a cluster without the right CRDs", () => {
  let api: KubeApiserver;
  let client: KubeClient;
  beforeAll(async () => {
    const dir = await mkdtemp(join(required("workDir"), "bare-apiserver-"));
    await mkdir(dir, { recursive: true });
    api = await startKubeApiserver({
      bin: required("kubeApiserverBin"),
      etcdUrl: required("kubeEtcdUrl"),
      dir,
      etcdPrefix: `/bare-${Date.now()}`,
      name: "kube-apiserver-bare",
    });
    client = clientFor(api.kubeconfig);
  });
  afterAll(async () => {
    await api?.process.stop();
  });

  it("reports missing Strimzi and prometheus-operator CRDs and applies nothing", async () => {
    const ns = freshNamespace();
    const err = await rollout(client, clusterObjects(ns), {
      inventory: "orders",
      namespace: "default",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as PreflightError).problems).toEqual([
      "KafkaUser, Kafka, KafkaNodePool, KafkaConnect (kafka.strimzi.io/v1): the API group kafka.strimzi.io is not served by this cluster — its CRDs are not installed; install the Strimzi CRDs (Strimzi 1.x serves kafka.strimzi.io/v1)",
      "PodMonitor (monitoring.coreos.com/v1): the API group monitoring.coreos.com is not served by this cluster — its CRDs are not installed; install the prometheus-operator CRDs, or turn monitoring off in the cluster definition",
    ]);
    expect((await admin(api.kubeconfig).get(`/api/v1/namespaces/${ns}`)).status).toBe(404);
  });

  it("reports CRDs that serve another version than kafka.strimzi.io/v1", async () => {
    const server = { url: api.url, ca: api.ca, token: ADMIN_TOKEN };
    // Strimzi 0.4x served v1beta2 only: the same CRDs with the version renamed.
    const old = (await referenceCrds("strimzi/crds")).map(
      (crd): Record<string, any> => ({
        ...crd,
        spec: {
          ...crd.spec,
          versions: crd.spec.versions.map((v: { name: string }) => ({ ...v, name: "v1beta2" })),
        },
      }),
    );
    await installCrds(server, [...old, ...(await referenceCrds("prometheus-operator/crds"))]);
    try {
      const ns = freshNamespace();
      const err = await rollout(client, clusterObjects(ns), {
        inventory: "orders",
        namespace: "default",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreflightError);
      expect((err as PreflightError).problems).toEqual([
        "KafkaUser, Kafka, KafkaNodePool, KafkaConnect (kafka.strimzi.io/v1): the installed CRDs serve kafka.strimzi.io/v1beta2, not kafka.strimzi.io/v1; install the Strimzi CRDs (Strimzi 1.x serves kafka.strimzi.io/v1)",
      ]);
      expect((await admin(api.kubeconfig).get(`/api/v1/namespaces/${ns}`)).status).toBe(404);
    } finally {
      await deleteCrds(
        server,
        old.map((c) => c.metadata.name),
      );
    }
  });
});
