// kiln's NetworkPolicy evaluator against an independent one: every flow of every example's
// connectivity matrix (and of the three-zone output as kiln rendered it before the policy
// fixes, which holds blocked and open flows) is evaluated again by cyclonus's policy engine
// (github.com/mattfenwick/cyclonus, the Kubernetes SIG Network project; built from the Go
// module proxy by test/checkers/build.sh) over the same kiln and Strimzi policies.
import { beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "../../../clusters/src/network/evaluate.js";
import { evaluate, policyTypes } from "../../../clusters/src/network/evaluate.js";
import { model } from "../../../clusters/src/network/model.js";
import { resolve } from "../../../clusters/src/render/context.js";
import { exampleFiles, loadExample, threeZoneBeforeFixes } from "../../../clusters/src/testing/examples.js";
import { checkersDir, runChecker } from "../harness/checkers.js";

// cyclonus matches ipBlocks on every peer's address: a pod the model gives none gets one from
// a range no example names (RFC 6598 shared space), where kiln's evaluator matches no ipBlock either.
const POD_ADDRESS = "100.64.0.7";

const wirePeer = (e: Endpoint) => ({
  pod: e.pod !== undefined,
  ...(e.pod
    ? { namespace: e.pod.namespace, namespaceLabels: e.pod.namespaceLabels, podLabels: e.pod.labels }
    : {}),
  ip: e.ip ?? POD_ADDRESS,
});

type Model = ReturnType<typeof model>;

async function crossCheck(m: Model): Promise<{ kiln: boolean[]; cyclonus: boolean[] }> {
  const input = {
    // As the API server stores them: policyTypes defaulted (Strimzi sets none).
    policies: m.policies.map((p) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      ...p,
      spec: { ...p.spec, policyTypes: policyTypes(p) },
    })),
    traffic: m.flows.map((f) => ({ source: wirePeer(f.from), destination: wirePeer(f.to), port: f.port })),
  };
  const out = JSON.parse(await runChecker("netpol", [], JSON.stringify(input))) as {
    ingress: boolean;
    egress: boolean;
  }[];
  return {
    kiln: m.flows.map((f) => evaluate(m.policies, { from: f.from, to: f.to, port: f.port }).allowed),
    cyclonus: out.map((v) => v.ingress && v.egress),
  };
}

function exampleModel(file: string): Model {
  const e = loadExample(file);
  return model({ ctx: resolve(e.cluster), objects: e.result.items.map((i) => i.object) });
}

describe("kiln's NetworkPolicy evaluator agrees with cyclonus's", () => {
  beforeAll(async () => {
    await checkersDir();
  }, 30 * 60_000);

  it.each(exampleFiles())("on every flow of %s", async (file) => {
    const m = exampleModel(file);
    const { kiln, cyclonus } = await crossCheck(m);
    expect(cyclonus).toHaveLength(m.flows.length);
    const disagree = m.flows
      .filter((_, i) => kiln[i] !== cyclonus[i])
      .map((f) => `${f.from.name} → ${f.to.name}:${f.port}`);
    expect(disagree).toStrictEqual([]);
    // Both verdicts occur: the comparison is not of a constant.
    expect(new Set(cyclonus)).toStrictEqual(new Set([true, false]));
  });

  it("on the three-zone output as it was before the fixes, where flows go wrong", async () => {
    const { cluster, objects } = threeZoneBeforeFixes();
    const m = model({ ctx: resolve(cluster), objects });
    const { kiln, cyclonus } = await crossCheck(m);
    expect(kiln).toStrictEqual(cyclonus);
    const wrong = m.flows.filter((f, i) => (f.expect === "allow") !== cyclonus[i]);
    expect(wrong.map((f) => `${f.expect} ${f.from.name} → ${f.to.name}:${f.port}`)).toStrictEqual([
      "deny a pod of namespace kiln-stranger → orders-brokers:9093",
      "deny 192.0.2.10 (outside every declared range) → orders-brokers:9093",
      "allow cdc-connect → cdc-connect:8083",
      "allow Strimzi operator → cdc-connect:8083",
      "allow Prometheus (namespace monitoring) → cdc-connect:9404",
    ]);
  });
});
