import { describe, expect, it } from "vitest";
import {
  INVENTORY_LABEL,
  isValidInventory,
  type KubeObject,
  operatorProvidedSecrets,
  orderForApply,
  referencedSecrets,
  withInventory,
} from "./objects.js";

const obj = (
  kind: string,
  name: string,
  spec: Record<string, unknown> = {},
  apiVersion = "kafka.strimzi.io/v1",
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name },
  spec,
});

describe("orderForApply", () => {
  it("puts what is referred to first, keeping input order within a kind", () => {
    const input = [
      obj("PodMonitor", "pm", {}, "monitoring.coreos.com/v1"),
      obj("KafkaMirrorMaker2", "mm2"),
      obj("KafkaConnect", "c"),
      obj("KafkaNodePool", "b"),
      obj("Kafka", "k"),
      obj("KafkaNodePool", "a"),
      obj("KafkaUser", "u"),
      obj("ConfigMap", "cm", {}, "v1"),
      obj("Namespace", "ns", {}, "v1"),
      obj("Widget", "w", {}, "example.com/v1"),
    ];
    expect(orderForApply(input).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/ns",
      "ConfigMap/cm",
      "KafkaUser/u",
      "Kafka/k",
      "KafkaNodePool/b",
      "KafkaNodePool/a",
      "KafkaConnect/c",
      "KafkaMirrorMaker2/mm2",
      "Widget/w",
      "PodMonitor/pm",
    ]);
  });
});

describe("referencedSecrets", () => {
  it("finds every Secret name an object refers to, with its path", () => {
    const connect = obj("KafkaConnect", "c", {
      authentication: {
        type: "scram-sha-512",
        username: "c",
        passwordSecret: { secretName: "c-pw", password: "p" },
      },
      tls: { trustedCertificates: [{ secretName: "ca", pattern: "*.crt" }] },
      build: { output: { type: "docker", image: "x", pushSecret: "push" } },
      template: {
        pod: {
          imagePullSecrets: [{ name: "pull" }],
          volumes: [{ name: "v", secret: { secretName: "vol" } }],
        },
        connectContainer: { env: [{ name: "E", valueFrom: { secretKeyRef: { name: "env", key: "k" } } }] },
      },
    });
    expect(referencedSecrets(connect, "ns").map((r) => `${r.name} ${r.path}`)).toEqual([
      "c-pw spec.authentication.passwordSecret.secretName",
      "ca spec.tls.trustedCertificates[0].secretName",
      "push spec.build.output.pushSecret",
      "pull spec.template.pod.imagePullSecrets[0].name",
      "vol spec.template.pod.volumes[0].secret.secretName",
      "env spec.template.connectContainer.env[0].valueFrom.secretKeyRef.name",
    ]);
  });

  it("reads monitoring selectors ({name, key}) and never a Secret's own data", () => {
    const pm = obj(
      "PodMonitor",
      "pm",
      {
        podMetricsEndpoints: [
          {
            basicAuth: { username: { name: "ba", key: "u" } },
            tlsConfig: { ca: { secret: { name: "tls", key: "ca" } } },
          },
        ],
      },
      "monitoring.coreos.com/v1",
    );
    expect(referencedSecrets(pm, "ns").map((r) => r.name)).toEqual(["tls"]);
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { secretName: "eA==" },
    };
    expect(referencedSecrets(secret, "ns")).toEqual([]);
  });
});

describe("operatorProvidedSecrets", () => {
  it("lists the CA secrets of each Kafka and the credentials of each authenticated KafkaUser", () => {
    const set = operatorProvidedSecrets(
      [
        obj("Kafka", "k"),
        obj("KafkaUser", "u", { authentication: { type: "tls" } }),
        obj("KafkaUser", "acl-only", {}),
      ],
      "ns",
    );
    expect([...set].sort()).toEqual([
      "ns/k-clients-ca",
      "ns/k-clients-ca-cert",
      "ns/k-cluster-ca",
      "ns/k-cluster-ca-cert",
      "ns/u",
    ]);
  });
});

describe("inventory", () => {
  it.each([
    ["orders", true],
    ["orders-prod.eu_1", true],
    ["-orders", false],
    ["", false],
    ["a".repeat(64), false],
    ["with space", false],
  ])("%s is a valid inventory name: %s", (id, ok) => expect(isValidInventory(id)).toBe(ok));

  it("labels copies and leaves the input alone", () => {
    const input = [obj("Kafka", "k")];
    const [out] = withInventory(input, "orders", "clusters/orders.yaml");
    expect(out?.metadata.labels).toEqual({
      [INVENTORY_LABEL]: "orders",
      "app.kubernetes.io/managed-by": "kiln",
    });
    expect(out?.metadata.annotations).toEqual({ "kiln.dev/inventory-source": "clusters/orders.yaml" });
    expect(input[0]?.metadata.labels).toBeUndefined();
  });
});
