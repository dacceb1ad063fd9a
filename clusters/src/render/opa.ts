// The Rego policy kiln renders for `authorization: opa`: the same least-privilege grants the
// KafkaUsers would get as ACLs, evaluated by OPA for org.openpolicyagent.kafka.OpaAuthorizer.
// Loaded into OPA from a ConfigMap (kube-mgmt's `openpolicyagent.org/policy: rego` label).

import { componentPrincipals } from "../strimzi/names.js";
import { userModel } from "../strimzi/users.js";
import type { ConfigMap } from "../wire/k8s.js";
import type { KafkaUser } from "../wire/strimzi.js";
import { type Ctx, meta, RenderError } from "./context.js";

export const OPA_POLICY_CONFIGMAP = (cluster: string) => `${cluster}-kafka-authz`;

/** `https://opa…/v1/data/kafka/authz/allow` → package `kafka.authz`, rule `allow`. */
export function opaDecision(url: string): { pkg: string; rule: string } | undefined {
  const m = /^https?:\/\/[^/]+\/v1\/data\/((?:[A-Za-z_][A-Za-z0-9_]*\/)+)([A-Za-z_][A-Za-z0-9_]*)\/?$/.exec(
    url,
  );
  if (!m) return undefined;
  return { pkg: (m[1] ?? "").replace(/\/$/, "").replaceAll("/", "."), rule: m[2] ?? "" };
}

const REGO_BODY = (rule: string) => `
default ${rule} := false

principal := sprintf("%s:%s", [input.requestContext.principal.principalType, input.requestContext.principal.name])

${rule} if principal in super_users

${rule} if {
	some grant in grants[principal]
	grant.resourceType == input.action.resourcePattern.resourceType
	names_match(grant, input.action.resourcePattern.name)
	implies(grant.operation, input.action.operation)
}

names_match(grant, _) if {
	grant.patternType == "LITERAL"
	grant.name == "*"
}

names_match(grant, name) if {
	grant.patternType == "LITERAL"
	grant.name == name
}

names_match(grant, name) if {
	grant.patternType == "PREFIXED"
	startswith(name, grant.name)
}

# A question about a resource type ("may it write any topic?", asked before an idempotent
# producer starts) arrives as a PREFIXED pattern: any grant within the prefix answers yes.
names_match(grant, name) if {
	input.action.resourcePattern.patternType == "PREFIXED"
	startswith(grant.name, name)
}

# Kafka's ACL semantics: ALL grants everything; READ, WRITE, DELETE and ALTER imply DESCRIBE;
# ALTER_CONFIGS implies DESCRIBE_CONFIGS.
implies(op, op)

implies("ALL", _)

implies(op, "DESCRIBE") if op in {"READ", "WRITE", "DELETE", "ALTER"}

implies("ALTER_CONFIGS", "DESCRIBE_CONFIGS")
`;

export function renderOpaPolicy(ctx: Ctx, users: KafkaUser[]): ConfigMap {
  const opa = ctx.cluster.authorization?.opa;
  const decision = opa && opaDecision(opa.url);
  if (!decision)
    throw new RenderError(
      `authorization.opa.url must be OPA's data API, https://<host>/v1/data/<package path>/<rule>`,
    );
  const superUsers = [...componentPrincipals(ctx.name), ...(ctx.cluster.authorization?.superUsers ?? [])]
    .map((u) => `User:${u}`)
    .sort();
  const grants: Record<
    string,
    { resourceType: string; name: string; patternType: string; operation: string }[]
  > = {};
  for (const u of users)
    for (const a of userModel(u).acls) {
      if (a.permission !== "ALLOW") continue;
      grants[a.principal] ??= [];
      grants[a.principal]?.push({
        resourceType: a.resourceType,
        name: a.name,
        patternType: a.patternType,
        operation: a.operation,
      });
    }
  const sorted = Object.fromEntries(Object.entries(grants).sort(([a], [b]) => a.localeCompare(b)));
  const rego = [
    `# Rendered by kiln for Kafka cluster ${ctx.name}: the grants of its KafkaUsers, for OpaAuthorizer.`,
    `package ${decision.pkg}`,
    "",
    "import rego.v1",
    REGO_BODY(decision.rule),
    `super_users := ${JSON.stringify(superUsers, null, "\t")}`,
    "",
    `grants := ${JSON.stringify(sorted, null, "\t")}`,
    "",
  ].join("\n");
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(ctx, OPA_POLICY_CONFIGMAP(ctx.name), { "openpolicyagent.org/policy": "rego" }),
    data: { "kafka-authz.rego": rego },
  };
}
