/** A Kubernetes object as kiln renders and reads it: plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    managedFields?: Array<{ manager?: string; operation?: string; fieldsV1?: unknown }>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [k: string]: unknown;
}

/** Label every object of one cluster definition carries; prune only ever selects by it. */
export const INVENTORY_LABEL = "kiln.dev/inventory";
/** Annotation naming the cluster definition's source, for people reading the object. */
export const INVENTORY_SOURCE_ANNOTATION = "kiln.dev/inventory-source";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const FIELD_MANAGER = "kiln";

export const STRIMZI_GROUP = "kafka.strimzi.io";
export const MONITORING_GROUP = "monitoring.coreos.com";

/**
 * Apply order: what an object refers to goes first. Namespaces, config maps
 * (metrics, logging), users (their secrets feed Connect), rebalance templates
 * (the Kafka names them), Kafka, node pools,
 * Connect, MirrorMaker 2, monitoring. Unknown kinds go last but one.
 */
const ORDER: Record<string, number> = {
  Namespace: 0,
  ConfigMap: 10,
  Secret: 10,
  KafkaUser: 20,
  KafkaRebalance: 25,
  Kafka: 30,
  KafkaNodePool: 40,
  KafkaTopic: 45,
  KafkaConnect: 50,
  KafkaConnector: 55,
  KafkaMirrorMaker2: 60,
  KafkaBridge: 65,
  PodMonitor: 80,
  ServiceMonitor: 80,
  PrometheusRule: 80,
};

export function applyRank(o: Pick<KubeObject, "kind">): number {
  return ORDER[o.kind] ?? 70;
}

/** Objects in apply order; stable within a rank (input order kept). */
export function orderForApply<T extends Pick<KubeObject, "kind">>(objects: T[]): T[] {
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => applyRank(a.o) - applyRank(b.o) || a.i - b.i)
    .map((x) => x.o);
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
}

/** Identity across API versions of one group: `group/Kind/namespace/name`. */
export function objectKey(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/** How objects are named in messages: `Kafka kafka/my-cluster`. */
export function describe(o: Pick<KubeObject, "kind" | "metadata">): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isValidInventory(id: string): boolean {
  return id.length > 0 && id.length <= 63 && LABEL_VALUE.test(id);
}

/** Adds the inventory label (and managed-by) to copies of the objects. */
export function withInventory(objects: KubeObject[], inventory: string, source?: string): KubeObject[] {
  return objects.map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      labels: { ...o.metadata.labels, [INVENTORY_LABEL]: inventory, [MANAGED_BY_LABEL]: "kiln" },
      ...(source
        ? { annotations: { ...o.metadata.annotations, [INVENTORY_SOURCE_ANNOTATION]: source } }
        : {}),
    },
  }));
}

export interface SecretRef {
  namespace: string;
  name: string;
  /** JSON path of the reference, for messages. */
  path: string;
  from: string;
}

const NAME_REF_KEYS = new Set(["secretKeyRef", "keySecret", "bearerTokenSecret", "nodePublishSecretRef"]);
const STRING_REF_KEYS = new Set(["secretName", "pushSecret", "pullSecret"]);

/**
 * Every Secret an object names (never their values): `secretName`,
 * `secretKeyRef`, `imagePullSecrets`, Connect's `pushSecret`, monitoring's
 * `secret: {name}` selectors, and so on, found by walking the object.
 */
export function referencedSecrets(o: KubeObject, namespace: string): SecretRef[] {
  const out: SecretRef[] = [];
  const add = (name: unknown, path: string) => {
    if (typeof name === "string" && name !== "") out.push({ namespace, name, path, from: describe(o) });
  };
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      if (STRING_REF_KEYS.has(k)) add(x, p);
      else if (NAME_REF_KEYS.has(k) && typeof x === "object" && x)
        add((x as { name?: unknown }).name, `${p}.name`);
      else if (k === "imagePullSecrets" && Array.isArray(x))
        for (const [i, s] of x.entries()) add((s as { name?: unknown })?.name, `${p}[${i}].name`);
      else if (k === "secret" && typeof x === "object" && x && "name" in x && "key" in x)
        add((x as { name?: unknown }).name, `${p}.name`);
      walk(x, p);
    }
  };
  if (o.kind !== "Secret") walk(o.spec, "spec");
  return out;
}

/**
 * Secrets the Strimzi operator itself creates for the rendered resources:
 * each Kafka's CA secrets and each KafkaUser's credentials. References to them
 * are satisfied once the operator has reconciled, so preflight does not ask for them.
 */
export function operatorProvidedSecrets(objects: KubeObject[], defaultNamespace: string): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? defaultNamespace;
    if (o.kind === "Kafka" && groupOf(o.apiVersion) === STRIMZI_GROUP) {
      for (const suffix of ["cluster-ca-cert", "cluster-ca", "clients-ca-cert", "clients-ca"])
        out.add(`${ns}/${o.metadata.name}-${suffix}`);
    }
    if (o.kind === "KafkaUser" && groupOf(o.apiVersion) === STRIMZI_GROUP && o.spec?.authentication)
      out.add(`${ns}/${o.metadata.name}`);
  }
  return out;
}

/** Copies without server-owned metadata and status: what a person compares. */
export function normalizeForDiff(o: KubeObject): KubeObject {
  const { managedFields, resourceVersion, generation, uid, creationTimestamp, selfLink, ...metadata } =
    o.metadata;
  const { status, ...rest } = o;
  return { ...rest, metadata };
}

/**
 * Secret values never leave kiln: each value becomes a marker. Comparing two
 * versions, a changed value reads `<redacted: before>` on one side and
 * `<redacted: after>` on the other, so a diff still shows that it changed.
 */
export function redactSecret(
  o: KubeObject,
  other?: KubeObject,
  side: "before" | "after" = "after",
): KubeObject {
  if (o.kind !== "Secret" || o.apiVersion !== "v1") return o;
  const mask = (vals: Record<string, string> | undefined, theirs: Record<string, string> | undefined) =>
    vals === undefined
      ? undefined
      : Object.fromEntries(
          Object.keys(vals).map((k) => [
            k,
            theirs && theirs[k] !== vals[k] ? `<redacted: ${side}>` : "<redacted>",
          ]),
        );
  const out: KubeObject = { ...o };
  if (o.data) out.data = mask(o.data, other ? (other.data ?? {}) : undefined) as Record<string, string>;
  if (o.stringData)
    out.stringData = mask(o.stringData, other ? (other.stringData ?? {}) : undefined) as Record<
      string,
      string
    >;
  return out;
}
