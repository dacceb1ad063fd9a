// What Strimzi's User Operator makes of a KafkaUser: the principal the broker sees, the
// credentials it issues, the ACL bindings and client quotas it writes through the Admin API.
import type { AclOperation, KafkaUser } from "../wire/strimzi.js";

export interface AclBinding {
  principal: string;
  resourceType: "TOPIC" | "GROUP" | "CLUSTER" | "TRANSACTIONAL_ID";
  name: string;
  patternType: "LITERAL" | "PREFIXED";
  operation: string;
  permission: "ALLOW" | "DENY";
  host: "*";
}

export interface UserModel {
  name: string;
  /** The principal name without its `User:` type: `CN=<name>` for certificates, `<name>` otherwise. */
  principal: string;
  /** certificate: the User Operator issues one from the clients CA; external: the user brings one; scram: a generated password; elsewhere: an OAuth token or a custom authenticator names the principal. */
  credentials: "certificate" | "external" | "scram" | "elsewhere";
  acls: AclBinding[];
  /** Kafka client quota keys (`producer_byte_rate`, …) for the user entity. */
  quotas: Record<string, number>;
}

const OPERATION: Record<AclOperation, string> = {
  All: "ALL",
  Read: "READ",
  Write: "WRITE",
  Create: "CREATE",
  Delete: "DELETE",
  Alter: "ALTER",
  Describe: "DESCRIBE",
  ClusterAction: "CLUSTER_ACTION",
  AlterConfigs: "ALTER_CONFIGS",
  DescribeConfigs: "DESCRIBE_CONFIGS",
  IdempotentWrite: "IDEMPOTENT_WRITE",
};

const RESOURCE = {
  topic: "TOPIC",
  group: "GROUP",
  cluster: "CLUSTER",
  transactionalId: "TRANSACTIONAL_ID",
} as const;

const QUOTA = {
  producerByteRate: "producer_byte_rate",
  consumerByteRate: "consumer_byte_rate",
  requestPercentage: "request_percentage",
  controllerMutationRate: "controller_mutation_rate",
} as const;

export function userModel(user: KafkaUser): UserModel {
  const name = user.metadata.name;
  const auth = user.spec.authentication?.type;
  const principal = auth === "tls" || auth === "tls-external" ? `CN=${name}` : name;
  const acls: AclBinding[] = (user.spec.authorization?.acls ?? []).flatMap((rule) =>
    rule.operations.map((op) => ({
      principal: `User:${principal}`,
      resourceType: RESOURCE[rule.resource.type],
      name: rule.resource.type === "cluster" ? "kafka-cluster" : (rule.resource.name ?? "*"),
      patternType: rule.resource.patternType === "prefix" ? ("PREFIXED" as const) : ("LITERAL" as const),
      operation: OPERATION[op],
      permission: rule.type === "deny" ? ("DENY" as const) : ("ALLOW" as const),
      host: "*" as const,
    })),
  );
  const quotas: Record<string, number> = {};
  for (const [k, v] of Object.entries(user.spec.quotas ?? {}))
    if (v !== undefined) quotas[QUOTA[k as keyof typeof QUOTA]] = v;
  return {
    name,
    principal,
    credentials:
      auth === "tls"
        ? "certificate"
        : auth === "tls-external"
          ? "external"
          : auth === "scram-sha-512"
            ? "scram"
            : "elsewhere",
    acls,
    quotas,
  };
}
