import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadCrdValidator, prometheusCrdDir, strimziCrdDir } from "../testing/crd-schema.js";
import { exampleFiles, loadCluster, loadExample } from "../testing/examples.js";
import { renderCluster } from "./index.js";

const crds = loadCrdValidator([strimziCrdDir(), prometheusCrdDir()]);

/** Core objects: API version per kind and the fields the API server requires. */
const CORE: Record<string, { apiVersion: string; required: string[][] }> = {
  ConfigMap: { apiVersion: "v1", required: [["metadata", "name"], ["data"]] },
  NetworkPolicy: {
    apiVersion: "networking.k8s.io/v1",
    required: [
      ["metadata", "name"],
      ["spec", "podSelector"],
    ],
  },
  HorizontalPodAutoscaler: {
    apiVersion: "autoscaling/v2",
    required: [
      ["metadata", "name"],
      ["spec", "scaleTargetRef", "name"],
      ["spec", "scaleTargetRef", "kind"],
      ["spec", "maxReplicas"],
    ],
  },
  Role: { apiVersion: "rbac.authorization.k8s.io/v1", required: [["metadata", "name"], ["rules"]] },
  RoleBinding: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    required: [["metadata", "name"], ["roleRef", "name"], ["subjects"]],
  },
};

function get(o: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
    o,
  );
}

function coreProblems(o: { apiVersion: string; kind: string }): string[] {
  const rule = CORE[o.kind];
  if (!rule) return [`unexpected core kind ${o.apiVersion} ${o.kind}`];
  const out: string[] = [];
  if (o.apiVersion !== rule.apiVersion) out.push(`${o.kind} must be ${rule.apiVersion}, not ${o.apiVersion}`);
  for (const p of rule.required) if (get(o, p) === undefined) out.push(`${o.kind} lacks ${p.join(".")}`);
  return out;
}

describe("the strict CRD check itself", () => {
  it("rejects unknown fields and accepts a minimal valid object", () => {
    const user = {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: "u" },
      spec: { authentication: { type: "tls" } },
    };
    expect(crds.validate(user)).toStrictEqual([]);
    const bogus = { ...user, spec: { authentication: { type: "tls", bogus: true } } };
    expect(crds.validate(bogus).join()).toMatch(/additional properties.*bogus/);
  });
  it("knows the served v1 kinds only (v1beta2 is gone in Strimzi 1.x)", () => {
    expect(crds.validate({ apiVersion: "kafka.strimzi.io/v1beta2", kind: "Kafka" })).toStrictEqual([
      "no CRD serves kafka.strimzi.io/v1beta2 Kafka",
    ]);
  });
  it("translates Go's (?i) patterns", () => {
    const user = {
      apiVersion: "kafka.strimzi.io/v1",
      kind: "KafkaUser",
      metadata: { name: "u" },
      spec: {
        authentication: { type: "tls" },
        authorization: {
          type: "simple",
          acls: [{ resource: { type: "topic", name: "t" }, operations: ["Read"], type: "nope" }],
        },
      },
    };
    expect(crds.validate(user).length).toBeGreaterThan(0);
  });
});

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "__fixtures__");

describe.each([...exampleFiles(), ...readdirSync(FIXTURES).map((f) => `fixture:${f}`)])("%s", (file) => {
  const { result } = file.startsWith("fixture:")
    ? {
        result: renderCluster(loadCluster(readFileSync(join(FIXTURES, file.slice(8)), "utf8"), file).cluster),
      }
    : loadExample(file);
  const custom = result.items.filter(
    ({ object }) =>
      object.apiVersion.includes(".") &&
      !object.apiVersion.includes("k8s.io") &&
      object.apiVersion !== "autoscaling/v2",
  );
  const core = result.items.filter((i) => !custom.includes(i));

  it.each(custom.map((i) => [`${i.object.kind}/${i.object.metadata.name}`, i.object] as const))(
    "%s validates strictly against its CRD",
    (_name, object) => {
      expect(crds.validate(object)).toStrictEqual([]);
    },
  );
  it.each(core.map((i) => [`${i.object.kind}/${i.object.metadata.name}`, i.object] as const))(
    "%s has the right API version and required fields",
    (_name, object) => {
      expect(coreProblems(object)).toStrictEqual([]);
    },
  );
  it("renders only kafka.strimzi.io/v1 Strimzi resources", () => {
    const strimzi = result.items.filter((i) => i.object.apiVersion.startsWith("kafka.strimzi.io"));
    expect(strimzi.length).toBeGreaterThan(2);
    for (const i of strimzi) expect(i.object.apiVersion).toBe("kafka.strimzi.io/v1");
  });
});
