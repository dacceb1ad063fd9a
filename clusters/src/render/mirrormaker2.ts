import type { AclResource, DisasterRecovery } from "@kiln/schemas";
import type { AclOperation, AclRule, KafkaMirrorMaker2, KafkaUser } from "../wire/strimzi.js";
import { STRIMZI_API } from "../wire/strimzi.js";
import {
  bootstrap,
  type Ctx,
  clientAuth,
  clientListener,
  clusterCaCert,
  meta,
  RenderError,
  strimziCluster,
} from "./context.js";
import { FIPS_CONNECT_TLS, FIPS_TLS, jmxMetricsConfig } from "./defaults.js";
import { groupAcl, kafkaUser, topicAcl } from "./users.js";

export const IDENTITY_POLICY = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
export const MM2_METRICS_CONFIGMAP = (name: string) => `${name}-mm2-metrics`;

/** Names shared by both sides of a replication flow `source → target`. */
export function flowNames(source: string, target: string) {
  const name = `${source}-to-${target}`;
  return {
    /** KafkaMirrorMaker2 resource, running beside the target. */
    mirrorMaker: name,
    /** KafkaUser on the target cluster (writes remote topics, its Connect internals). */
    targetUser: `${name}-mm2`,
    /** KafkaUser on the source cluster (read-only); its Secret is copied to the target's namespace. */
    sourceUser: `${name}-mm2-source`,
    groupId: `${name}-mm2`,
    configs: `${name}-mm2-configs`,
    offsets: `${name}-mm2-offsets`,
    status: `${name}-mm2-status`,
  };
}

/**
 * Regex → ACL resources. Alternatives that are literal names become literal
 * ACLs, literal prefixes followed by `.*` become prefix ACLs; anything else
 * needs the wildcard `*` (documented: narrow the pattern to narrow the ACLs).
 */
export function patternToAclResources(pattern: string | undefined): AclResource[] {
  const p = (pattern ?? ".*").replace(/^\^/, "").replace(/\$$/, "");
  const alternatives = /[()[\]{}]/.test(p) ? [p] : p.split("|");
  const out: AclResource[] = [];
  for (const alt of alternatives) {
    const m = /^((?:[A-Za-z0-9_-]|\\\.)*)(\.\*)?$/.exec(alt);
    const literal = m?.[1]?.replace(/\\\./g, ".");
    if (!m || literal === undefined || literal === "") return [{ name: "*", patternType: "literal" }];
    out.push({ name: literal, patternType: m[2] ? "prefix" : "literal" });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Everything about one replication flow, independent of how it is deployed (KafkaMirrorMaker2 or plain connectors). */
export interface MirrorFlow {
  dr: DisasterRecovery;
  source: { alias: string; bootstrapServers: string; namespace: string };
  target: { alias: string; bootstrapServers: string; namespace: string };
  auth: "tls" | "scram-sha-512";
  trust: { secretName: string; certificate: string };
  names: ReturnType<typeof flowNames>;
}

export function isTarget(dr: DisasterRecovery): boolean {
  return dr.mode === "active-active" || dr.role === "backup";
}
export function isSource(dr: DisasterRecovery): boolean {
  return dr.mode === "active-active" || dr.role === "primary";
}

function sourceConnectorConfig(dr: DisasterRecovery): Record<string, string | number | boolean> {
  return {
    "offset-syncs.topic.location": "target",
    "offset-syncs.topic.replication.factor": -1,
    "refresh.topics.interval.seconds": 60,
    "replication.factor": -1,
    ...(dr.replicationPolicy === "identity" ? { "replication.policy.class": IDENTITY_POLICY } : {}),
    "sync.topic.acls.enabled": false,
    "sync.topic.configs.enabled": true,
  };
}

function checkpointConnectorConfig(dr: DisasterRecovery): Record<string, string | number | boolean> {
  const interval = dr.checkpointIntervalSeconds ?? 60;
  return {
    "checkpoints.topic.replication.factor": -1,
    "emit.checkpoints.interval.seconds": interval,
    "offset-syncs.topic.location": "target",
    "refresh.groups.interval.seconds": interval,
    ...(dr.replicationPolicy === "identity" ? { "replication.policy.class": IDENTITY_POLICY } : {}),
    "sync.group.offsets.enabled": dr.syncGroupOffsets ?? true,
    "sync.group.offsets.interval.seconds": interval,
  };
}

export function renderMirrorMaker2(ctx: Ctx, dr: DisasterRecovery): KafkaMirrorMaker2 {
  const names = flowNames(dr.peer.name, ctx.name);
  const auth = dr.peer.authentication ?? "tls";
  const listener = clientListener(ctx);
  const localAuth = listener.authType === "scram-sha-512" ? "scram-sha-512" : "tls";
  const tlsConfig = ctx.fips ? { ...FIPS_TLS } : {};
  return {
    apiVersion: STRIMZI_API,
    kind: "KafkaMirrorMaker2",
    metadata: meta(ctx, names.mirrorMaker, { "kiln.dev/kafka-cluster": ctx.name }),
    spec: {
      version: ctx.version,
      replicas: dr.replicas ?? 2,
      target: {
        alias: ctx.name,
        bootstrapServers: bootstrap(ctx, listener),
        groupId: names.groupId,
        configStorageTopic: names.configs,
        offsetStorageTopic: names.offsets,
        statusStorageTopic: names.status,
        tls: { trustedCertificates: [clusterCaCert(ctx.name)] },
        authentication: clientAuth(localAuth, names.targetUser),
        config: {
          "config.storage.replication.factor": -1,
          "offset.storage.replication.factor": -1,
          "status.storage.replication.factor": -1,
          // The target's settings configure the Connect worker MirrorMaker 2 runs on.
          ...(ctx.fips ? FIPS_CONNECT_TLS : {}),
        },
      },
      mirrors: [
        {
          source: {
            alias: dr.peer.name,
            bootstrapServers: dr.peer.bootstrapServers,
            tls: {
              trustedCertificates: [
                dr.peer.trustedCertificates
                  ? {
                      secretName: dr.peer.trustedCertificates.secretName,
                      certificate: dr.peer.trustedCertificates.certificate ?? "ca.crt",
                    }
                  : clusterCaCert(dr.peer.name),
              ],
            },
            authentication: clientAuth(auth, names.sourceUser),
            ...(ctx.fips ? { config: tlsConfig } : {}),
          },
          sourceConnector: {
            tasksMax: dr.tasksMax ?? 4,
            autoRestart: { enabled: true },
            config: sourceConnectorConfig(dr),
          },
          checkpointConnector: {
            tasksMax: 1,
            autoRestart: { enabled: true },
            config: checkpointConnectorConfig(dr),
          },
          topicsPattern: dr.topicsPattern ?? ".*",
          ...(dr.topicsExcludePattern ? { topicsExcludePattern: dr.topicsExcludePattern } : {}),
          groupsPattern: dr.groupsPattern ?? ".*",
          ...(dr.groupsExcludePattern ? { groupsExcludePattern: dr.groupsExcludePattern } : {}),
        },
      ],
      ...(dr.resources ? { resources: structuredClone(dr.resources) } : {}),
      ...(ctx.zoneKey ? { rack: { topologyKey: ctx.zoneKey } } : {}),
      ...(ctx.cluster.monitoring?.enabled !== false
        ? {
            metricsConfig: jmxMetricsConfig(MM2_METRICS_CONFIGMAP(names.mirrorMaker)),
          }
        : {}),
      template: { podDisruptionBudget: { maxUnavailable: 1 } },
    },
  };
}

/** The MirrorMaker 2 user on the target (this) cluster. */
export function renderTargetUser(ctx: Ctx, dr: DisasterRecovery): KafkaUser {
  const names = flowNames(dr.peer.name, ctx.name);
  const listener = clientListener(ctx);
  const localAuth = listener.authType === "scram-sha-512" ? "scram-sha-512" : "tls";
  const syncOffsets = dr.syncGroupOffsets !== false;
  // Committing translated group offsets on the target needs Read on the topics they are for.
  const writeOps: AclOperation[] = [
    ...(syncOffsets ? (["Read"] as const) : []),
    "Write",
    "Create",
    "Describe",
    "Alter",
    "AlterConfigs",
    "DescribeConfigs",
  ];
  const remote: AclResource[] =
    dr.replicationPolicy === "identity"
      ? patternToAclResources(dr.topicsPattern)
      : [{ name: `${dr.peer.name}.`, patternType: "prefix" }];
  const acls: AclRule[] = [
    groupAcl({ name: names.groupId }),
    ...[names.configs, names.offsets, names.status].map((t) =>
      topicAcl({ name: t }, ["Read", "Write", "Create", "Describe", "DescribeConfigs"]),
    ),
    ...remote.map((r) => topicAcl(r, writeOps)),
    // The checkpoints topic: under the default policy the remote-topic prefix (`<source>.`) covers it.
    ...(dr.replicationPolicy === "identity"
      ? [topicAcl({ name: `${dr.peer.name}.checkpoints.internal` }, ["Read", "Write", "Create", "Describe"])]
      : []),
    // With offset-syncs.topic.location: target, MirrorSourceConfig names the topic after the *source* alias.
    topicAcl({ name: `mm2-offset-syncs.${dr.peer.name}.internal` }, ["Read", "Write", "Create", "Describe"]),
    // Offset sync for failover writes the translated offsets of the mirrored groups here.
    ...(!syncOffsets
      ? []
      : patternToAclResources(dr.groupsPattern).map((g) => groupAcl(g, ["Read", "Describe"]))),
  ];
  return kafkaUser(ctx, names.targetUser, localAuth, acls, undefined, {
    "kiln.dev/user-kind": "mirrormaker2",
  });
}

/** The read-only user the peer's MirrorMaker 2 uses on this (source) cluster. */
export function renderSourceUser(ctx: Ctx, dr: DisasterRecovery): KafkaUser {
  const names = flowNames(ctx.name, dr.peer.name);
  const auth = dr.peer.authentication ?? "tls";
  const acls: AclRule[] = [
    ...patternToAclResources(dr.topicsPattern).map((t) =>
      topicAcl(t, ["Read", "Describe", "DescribeConfigs"]),
    ),
    ...patternToAclResources(dr.groupsPattern).map((g) => groupAcl(g, ["Describe"])),
  ];
  return kafkaUser(ctx, names.sourceUser, auth, acls, undefined, { "kiln.dev/user-kind": "mirrormaker2" });
}

export function renderDisasterRecovery(ctx: Ctx): (KafkaMirrorMaker2 | KafkaUser)[] {
  const dr = ctx.cluster.disasterRecovery;
  if (!dr) return [];
  if (dr.peer.name === ctx.name) throw new RenderError("a DR pair needs two different clusters");
  const out: (KafkaMirrorMaker2 | KafkaUser)[] = [];
  if (isTarget(dr)) out.push(renderMirrorMaker2(ctx, dr), renderTargetUser(ctx, dr));
  if (isSource(dr)) out.push(renderSourceUser(ctx, dr));
  return out;
}

export { strimziCluster };
