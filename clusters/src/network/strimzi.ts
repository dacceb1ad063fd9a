// The NetworkPolicies the Strimzi 1.2 Cluster Operator writes for what kiln renders, and the
// labels it puts on the pods they select. Modelled on the operator's own code
// (strimzi-kafka-operator, cluster-operator/.../model/):
// - KafkaCluster.generateNetworkPolicy: `<cluster>-network-policy-kafka` selects the Kafka pods
//   (strimzi.io/cluster, strimzi.io/name=<cluster>-kafka, strimzi.io/kind=Kafka) and admits
//   9090 (control plane, KRaft) from the Kafka pods and the operator; 9091 (replication) from
//   the operator, the Kafka pods, the Entity Operator, Kafka Exporter and Cruise Control;
//   8443 (Kafka agent) from the operator; each listener's port from its `networkPolicyPeers`
//   (none: a rule without `from`, i.e. everyone); 9404 from everyone when metrics are on.
// - KafkaConnectCluster.generateNetworkPolicy: only with strimzi.io/use-connector-resources
//   "true"; `<connect>-connect` admits 8083 from the Connect pods and the operator, 9404 from
//   everyone. Without connector resources the operator writes none (and deletes its own).
// - KafkaMirrorMaker2 reuses the Connect policy with connector resources always on
//   (KafkaMirrorMaker2AssemblyOperator): `<mm2>-mirrormaker2`.
// - CruiseControl.generateNetworkPolicy: with spec.cruiseControl, `<cluster>-network-policy-cruise-control`
//   selects the Cruise Control pod and admits its REST API (9090) from the operator only, 9404
//   from everyone when metrics are on.
// - NetworkPolicyUtils.clusterOperatorNamespaceSelector: the operator peer is
//   strimzi.io/kind=cluster-operator in any namespace when the operator runs in another
//   namespace and STRIMZI_OPERATOR_NAMESPACE_LABELS is unset (the model's assumption); no
//   policyTypes, so the API server defaults them to Ingress.

import { CLUSTER_OPERATOR_PEER, PORTS } from "../render/defaults.js";
import type { NetworkPolicyPeer } from "../wire/k8s.js";
import type { GenericKafkaListener, Kafka, KafkaConnect, KafkaMirrorMaker2 } from "../wire/strimzi.js";
import type { Labels, Policy, PolicyPeer } from "./evaluate.js";

export const strimziSelector = (cluster: string, name: string, kind: string): Labels => ({
  "strimzi.io/cluster": cluster,
  "strimzi.io/kind": kind,
  "strimzi.io/name": name,
});

export const kafkaSelector = (cluster: string) => strimziSelector(cluster, `${cluster}-kafka`, "Kafka");
export const cruiseControlSelector = (cluster: string) =>
  strimziSelector(cluster, `${cluster}-cruise-control`, "Kafka");
/** Cruise Control's REST API, which the operator drives rebalances through. */
export const CRUISE_CONTROL_REST_PORT = 9090;
export const connectSelector = (connect: string) =>
  strimziSelector(connect, `${connect}-connect`, "KafkaConnect");
export const mirrorMakerSelector = (mm2: string) =>
  strimziSelector(mm2, `${mm2}-mirrormaker2`, "KafkaMirrorMaker2");

const rule = (port: number, from?: PolicyPeer[]) => ({
  ports: [{ protocol: "TCP", port }],
  ...(from ? { from } : {}),
});

const operator = (): PolicyPeer => structuredClone(CLUSTER_OPERATOR_PEER) as PolicyPeer;

function policy(
  name: string,
  namespace: string,
  selector: Labels,
  ingress: Policy["spec"]["ingress"],
): Policy {
  return { metadata: { name, namespace }, spec: { podSelector: { matchLabels: selector }, ingress } };
}

export function kafkaPolicy(kafka: Kafka): Policy {
  const cluster = kafka.metadata.name;
  const ns = kafka.metadata.namespace ?? "default";
  const byName = (name: string): PolicyPeer => ({
    podSelector: { matchLabels: { "strimzi.io/name": name } },
  });
  const kafkaPods: PolicyPeer = { podSelector: { matchLabels: kafkaSelector(cluster) } };
  const listenerRule = (l: GenericKafkaListener) =>
    rule(
      l.port,
      l.networkPolicyPeers?.map((p: NetworkPolicyPeer) => structuredClone(p) as PolicyPeer),
    );
  return policy(`${cluster}-network-policy-kafka`, ns, kafkaSelector(cluster), [
    rule(PORTS.controlPlane, [kafkaPods, operator()]),
    rule(PORTS.replication, [
      operator(),
      kafkaPods,
      byName(`${cluster}-entity-operator`),
      byName(`${cluster}-kafka-exporter`),
      byName(`${cluster}-cruise-control`),
    ]),
    rule(PORTS.agent, [operator()]),
    ...kafka.spec.kafka.listeners.map(listenerRule),
    ...(kafka.spec.kafka.metricsConfig ? [rule(PORTS.metrics, [])] : []),
  ]);
}

export function cruiseControlPolicy(kafka: Kafka): Policy | undefined {
  const cc = kafka.spec.cruiseControl;
  if (!cc) return undefined;
  const cluster = kafka.metadata.name;
  return policy(
    `${cluster}-network-policy-cruise-control`,
    kafka.metadata.namespace ?? "default",
    cruiseControlSelector(cluster),
    [rule(CRUISE_CONTROL_REST_PORT, [operator()]), ...(cc.metricsConfig ? [rule(PORTS.metrics, [])] : [])],
  );
}

function connectLike(name: string, ns: string, selector: Labels, metrics: boolean): Policy {
  return policy(name, ns, selector, [
    rule(PORTS.rest, [{ podSelector: { matchLabels: selector } }, operator()]),
    ...(metrics ? [rule(PORTS.metrics, [])] : []),
  ]);
}

export function connectPolicy(c: KafkaConnect): Policy | undefined {
  if (c.metadata.annotations?.["strimzi.io/use-connector-resources"] !== "true") return undefined;
  const name = c.metadata.name;
  return connectLike(
    `${name}-connect`,
    c.metadata.namespace ?? "default",
    connectSelector(name),
    c.spec.metricsConfig !== undefined,
  );
}

export function mirrorMakerPolicy(m: KafkaMirrorMaker2): Policy {
  const name = m.metadata.name;
  return connectLike(
    `${name}-mirrormaker2`,
    m.metadata.namespace ?? "default",
    mirrorMakerSelector(name),
    m.spec.metricsConfig !== undefined,
  );
}
