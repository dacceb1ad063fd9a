// Which of the ACLs kiln granted a workload needed: the authorizer's audit log (`kiln up
// --audit-log`) names every operation it allowed; a grant is needed when some allowed operation
// is allowed by it and by no other grant — removing it alone would make that operation fail.
import type { AclBinding } from "@kiln/clusters/strimzi";

/** One operation the authorizer allowed. */
export interface Decision {
  principal: string;
  operation: string;
  resourceType: AclBinding["resourceType"];
  name: string;
  request: string;
}

const RESOURCE: Record<string, AclBinding["resourceType"]> = {
  Topic: "TOPIC",
  Group: "GROUP",
  Cluster: "CLUSTER",
  TransactionalId: "TRANSACTIONAL_ID",
};

const LINE =
  /Principal = (\S+) is Allowed operation = (\S+) from host = \S+ on resource = (\w+):LITERAL:(\S+) for request = (\w+)/;

/** The allowed operations in a node's log (Kafka's `kafka.authorizer.logger` at DEBUG). */
export function parseAuditLog(text: string): Decision[] {
  const out: Decision[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    const type = m && RESOURCE[m[3] ?? ""];
    if (!m || !type) continue;
    out.push({
      principal: m[1] ?? "",
      operation: m[2] ?? "",
      resourceType: type,
      name: m[4] ?? "",
      request: m[5] ?? "",
    });
  }
  return out;
}

/** Kafka's ACL semantics: ALL grants everything; READ, WRITE, DELETE, ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS. */
function implies(granted: string, wanted: string): boolean {
  if (granted === wanted || granted === "ALL") return true;
  if (wanted === "DESCRIBE") return ["READ", "WRITE", "DELETE", "ALTER"].includes(granted);
  return wanted === "DESCRIBE_CONFIGS" && granted === "ALTER_CONFIGS";
}

export function allows(b: AclBinding, d: Decision): boolean {
  if (b.permission !== "ALLOW" || b.principal !== d.principal || b.resourceType !== d.resourceType)
    return false;
  const name = b.patternType === "PREFIXED" ? d.name.startsWith(b.name) : b.name === d.name || b.name === "*";
  return name && implies(b.operation, d.operation);
}

export interface GrantUsage {
  grant: AclBinding;
  /** Operations only this grant allowed (`REQUEST OPERATION resource`), a few of them. */
  neededFor: string[];
  /** Operations it allowed, needed or not. */
  used: number;
}

/** For every grant: the allowed operations that needed it. A grant needed for none could go. */
export function grantUsage(grants: AclBinding[], decisions: Decision[]): GrantUsage[] {
  return grants.map((grant) => {
    const mine = decisions.filter((d) => allows(grant, d));
    const needed = mine.filter((d) => !grants.some((other) => other !== grant && allows(other, d)));
    return {
      grant,
      used: mine.length,
      neededFor: [
        ...new Set(needed.map((d) => `${d.request} ${d.operation} ${d.resourceType}:${d.name}`)),
      ].slice(0, 5),
    };
  });
}

export const describeGrant = (b: AclBinding) =>
  `${b.principal} ${b.operation} ${b.resourceType}:${b.patternType === "PREFIXED" ? `${b.name}*` : b.name}`;
