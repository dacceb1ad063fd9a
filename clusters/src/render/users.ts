import type { AclResource, AppUser, Quotas } from "@kiln/schemas";
import type { AclOperation, AclRule, KafkaUser } from "../wire/strimzi.js";
import { STRIMZI_API } from "../wire/strimzi.js";
import { type Ctx, meta, strimziCluster } from "./context.js";

export type UserAuthType = "tls" | "tls-external" | "scram-sha-512" | "oauth" | "custom";

export function topicAcl(r: AclResource, operations: AclOperation[]): AclRule {
  return { resource: { type: "topic", name: r.name, patternType: r.patternType ?? "literal" }, operations };
}

export function groupAcl(r: AclResource, operations: AclOperation[] = ["Read", "Describe"]): AclRule {
  return { resource: { type: "group", name: r.name, patternType: r.patternType ?? "literal" }, operations };
}

export const clusterAcl = (operations: AclOperation[]): AclRule => ({
  resource: { type: "cluster" },
  operations,
});

/** Whether KafkaUser ACLs are enforced: simple authorization, or Keycloak delegating to Kafka ACLs. */
export function aclsEnforced(ctx: Ctx): boolean {
  const a = ctx.cluster.authorization;
  if (!a || (a.type ?? "simple") === "simple") return true;
  return a.type === "keycloak" && a.keycloak?.delegateToKafkaAcls !== false;
}

export function kafkaUser(
  ctx: Ctx,
  name: string,
  auth: UserAuthType,
  acls: AclRule[],
  quotas?: Quotas,
  extraLabels: Record<string, string> = {},
): KafkaUser {
  // OAuth and custom principals authenticate elsewhere; their KafkaUser only carries ACLs and quotas.
  const spec: KafkaUser["spec"] =
    auth === "oauth" || auth === "custom" ? {} : { authentication: { type: auth } };
  // Renderers always state the grants; renderCluster drops them where Kafka ACLs are not enforced.
  spec.authorization = { type: "simple", acls: mergeAcls(acls) };
  if (quotas && Object.keys(quotas).length > 0) spec.quotas = { ...quotas };
  return {
    apiVersion: STRIMZI_API,
    kind: "KafkaUser",
    metadata: meta(ctx, name, { ...strimziCluster(ctx.name), ...extraLabels }),
    spec,
  };
}

const OP_ORDER: AclOperation[] = [
  "All",
  "Read",
  "Write",
  "Create",
  "Delete",
  "Alter",
  "Describe",
  "ClusterAction",
  "AlterConfigs",
  "DescribeConfigs",
  "IdempotentWrite",
];

/**
 * Operations Kafka grants implicitly with another on the same resource: READ, WRITE, DELETE and
 * ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS.
 */
function implied(ops: AclOperation[]): Set<AclOperation> {
  const out = new Set<AclOperation>();
  if (ops.some((o) => o === "Read" || o === "Write" || o === "Delete" || o === "Alter")) out.add("Describe");
  if (ops.includes("AlterConfigs")) out.add("DescribeConfigs");
  return out;
}

/**
 * One rule per resource, operations unioned, without those another operation already implies
 * (the security suite's audit found every such grant unneeded), in a fixed order: deterministic
 * and easy to review.
 */
export function mergeAcls(acls: AclRule[]): AclRule[] {
  const byKey = new Map<string, AclRule>();
  for (const a of acls) {
    const key = `${a.type ?? "allow"}|${a.resource.type}|${a.resource.patternType ?? ""}|${a.resource.name ?? ""}`;
    const prev = byKey.get(key);
    if (prev) prev.operations = [...new Set([...prev.operations, ...a.operations])];
    else byKey.set(key, { ...a, resource: { ...a.resource }, operations: [...a.operations] });
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, a]) => {
      const redundant = implied(a.operations);
      return {
        ...a,
        operations: a.operations
          .filter((o) => !redundant.has(o))
          .sort((x, y) => OP_ORDER.indexOf(x) - OP_ORDER.indexOf(y)),
      };
    });
}

/** An application user: exactly the declared topics (read/write/create), groups and transactional ids. */
export function renderAppUser(ctx: Ctx, u: AppUser): KafkaUser {
  const acls: AclRule[] = [];
  for (const t of u.topics ?? []) {
    const ops = new Set<AclOperation>(["Describe"]);
    if (t.access.includes("read")) ops.add("Read");
    if (t.access.includes("write")) ops.add("Write");
    if (t.access.includes("create")) ops.add("Create");
    acls.push(topicAcl(t, [...ops]));
  }
  for (const g of u.groups ?? []) acls.push(groupAcl(g));
  for (const x of u.transactionalIds ?? [])
    acls.push({
      resource: { type: "transactionalId", name: x.name, patternType: x.patternType ?? "literal" },
      operations: ["Write", "Describe"],
    });
  if ((u.transactionalIds ?? []).length > 0) acls.push(clusterAcl(["IdempotentWrite"]));
  return kafkaUser(ctx, u.name, u.authentication, acls, u.quotas, { "kiln.dev/user-kind": "application" });
}
