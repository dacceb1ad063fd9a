// Semantic checks of a Cluster definition: contradictions the JSON Schema
// cannot express. Pure; each finding points at the file, line and path.
import {
  type Cluster,
  type Diagnostic,
  formatPath,
  isPlaceholderOnly,
  looksLikeSecretKey,
  MIN_METADATA_VERSION,
  type PathSegment,
  type SourceDocument,
  SUPPORTED_KAFKA_VERSIONS,
} from "@kiln/schemas";
import { type Ctx, type ResolvedListener, resolve } from "./render/context.js";
import { ZONE_TOPOLOGY_KEY } from "./render/defaults.js";
import { opaDecision } from "./render/opa.js";
import { byteRate } from "./render/scaling.js";

export interface CheckOptions {
  /** Treat warnings as errors. */
  strict?: boolean;
}

const RESERVED_PORTS = new Set([9090, 9091, 9404, 8443]);

/** A value under a secret-looking key that is not entirely a config-provider placeholder. */
export function isLiteralSecret(key: string, value: unknown): boolean {
  return typeof value === "string" && looksLikeSecretKey(key) && !isPlaceholderOnly(value);
}

/** `4.3-IV0` → [4, 3, 0]; undefined when it does not read as one. */
function metadataParts(v: string): [number, number, number] | undefined {
  const m = /^([0-9]+)\.([0-9]+)-IV([0-9]+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compareParts(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Why a regular expression does not compile, or undefined. Java (MirrorMaker 2) and Go (Kafka
 * Exporter) syntax is read as JavaScript after their inline flags and possessive quantifiers are
 * set aside, so only genuine mistakes — unbalanced groups, a quantifier with nothing to repeat,
 * an unterminated class — are reported; `go` also refuses what RE2 lacks (lookaround, back-references).
 */
export function regexProblem(pattern: string, dialect: "java" | "go"): string | undefined {
  if (dialect === "go" && /\(\?<?[=!]|\\[1-9]/.test(pattern))
    return "uses lookaround or a back-reference, which Kafka Exporter's Go regular expressions do not support";
  const js = pattern
    .replace(/\\Q([\s\S]*?)(\\E|$)/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .replace(/\(\?[imsxuUd-]+\)/g, "")
    .replace(/\(\?[imsxuUd-]+:/g, "(?:")
    .replace(/([*+?}])\+/g, "$1")
    .replace(/\(\?P?<([A-Za-z][A-Za-z0-9]*)>/g, "(?<$1>");
  try {
    new RegExp(js);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "");
  }
}

export function checkCluster(
  spec: Cluster,
  source: SourceDocument,
  options: CheckOptions = {},
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    severity: "error" | "warning",
    code: string,
    path: PathSegment[],
    message: string,
    key = false,
  ) => {
    const pos = source.locate(path, { key });
    out.push({
      severity: options.strict ? "error" : severity,
      code: `cluster-${code}`,
      message,
      location: { file: source.file, line: pos.line, column: pos.column, path: formatPath(path) },
    });
  };
  const c: Checked = {
    spec,
    ctx: resolve(spec),
    error: (code, path, message) => report("error", code, path, message),
    warn: (code, path, message) => report("warning", code, path, message),
  };
  // Findings sharing a line keep the order of these steps (the sort below is stable).
  checkVersions(c);
  const counts = checkQuorum(c);
  checkStorage(c);
  checkZones(c);
  const listenerIndex = checkListeners(c);
  checkKafkaSecrets(c);
  checkAuthorization(c);
  const claim = userClaims(c);
  checkUsers(c, listenerIndex, claim);
  checkConnect(c, listenerIndex, claim);
  checkDisasterRecovery(c, claim);
  checkExporterRegexes(c);
  checkScaling(c, counts);
  return out.sort(
    (a, b) =>
      (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0),
  );
}

type Report = (code: string, path: PathSegment[], message: string) => void;

/** What every check step reads and where it reports. */
interface Checked {
  spec: Cluster;
  ctx: Ctx;
  error: Report;
  warn: Report;
}

/** Listener names to their index in the resolved listeners (the last one declared wins). */
type ListenerIndex = Map<string, number>;

/** Records a rendered KafkaUser name, reporting a name rendered twice. */
type Claim = (name: string, path: PathSegment[]) => void;

/** Kafka and metadata versions Strimzi 1.2 can run. */
function checkVersions({ spec, error }: Checked) {
  const kafkaVersion = spec.kafka.version;
  if (!(SUPPORTED_KAFKA_VERSIONS as readonly string[]).includes(kafkaVersion))
    error(
      "kafka-version",
      ["kafka", "version"],
      `Kafka ${kafkaVersion} is not a version Strimzi 1.2 runs; use one of ${SUPPORTED_KAFKA_VERSIONS.join(", ")}`,
    );
  const metadata = spec.kafka.metadataVersion;
  const parts = metadata ? metadataParts(metadata) : undefined;
  if (metadata && parts) {
    const [major, minor] = kafkaVersion.split(".").map(Number) as [number, number];
    if (compareParts(parts.slice(0, 2), [major, minor]) > 0)
      error(
        "metadata-version",
        ["kafka", "metadataVersion"],
        `metadataVersion ${metadata} is newer than Kafka ${kafkaVersion}: it can be at most ${major}.${minor}-IVn`,
      );
    else if (compareParts(parts, metadataParts(MIN_METADATA_VERSION) as number[]) < 0)
      error(
        "metadata-version",
        ["kafka", "metadataVersion"],
        `metadataVersion ${metadata} is older than Kafka ${kafkaVersion} allows (the oldest is ${MIN_METADATA_VERSION})`,
      );
  }
}

/** Where a resolved node pool's field is declared: its node pool, or `kafka` when none are declared. */
function poolPath(spec: Cluster, i: number, ...rest: PathSegment[]): PathSegment[] {
  return spec.nodePools ? ["nodePools", i, ...rest] : ["kafka"];
}

interface Counts {
  rf: number;
  brokers: number;
}

/** The KRaft quorum, the broker count against the replication factor, and min.insync.replicas. */
function checkQuorum({ spec, ctx, error, warn }: Checked): Counts {
  const pools = ctx.pools;
  const controllers = pools.reduce((n, p) => n + (p.roles.includes("controller") ? p.replicas : 0), 0);
  const brokers = pools.reduce((n, p) => n + (p.roles.includes("broker") ? p.replicas : 0), 0);
  const firstController = pools.findIndex((p) => p.roles.includes("controller"));
  if (controllers === 0)
    error(
      "no-controllers",
      spec.nodePools ? ["nodePools"] : ["kafka"],
      "no node pool has the controller role; KRaft needs 3 or 5 controllers",
    );
  else if (controllers % 2 === 0)
    error(
      "even-controllers",
      poolPath(spec, firstController, "replicas"),
      `${controllers} controllers is an even number: a KRaft quorum of ${controllers} tolerates no more failures than ${controllers - 1}; use 3 or 5`,
    );
  else if (controllers !== 3 && controllers !== 5)
    warn(
      "controller-count",
      poolPath(spec, firstController, "replicas"),
      `${controllers} controllers: 3 (tolerates one failure) or 5 (tolerates two) are the usual quorum sizes`,
    );
  if (brokers === 0)
    error("no-brokers", spec.nodePools ? ["nodePools"] : ["kafka"], "no node pool has the broker role");

  const configured = spec.kafka.config?.["default.replication.factor"];
  const rf = Number(configured ?? spec.kafka.replicationFactor ?? 3);
  const rfPath: PathSegment[] =
    configured !== undefined
      ? ["kafka", "config", "default.replication.factor"]
      : ["kafka", "replicationFactor"];
  if (brokers > 0 && brokers < rf)
    error(
      "brokers-below-replication-factor",
      rfPath,
      `replication factor ${rf} needs at least ${rf} brokers, but the node pools have ${brokers}`,
    );
  const minIsrConfigured = spec.kafka.config?.["min.insync.replicas"];
  const minIsr = Number(minIsrConfigured ?? spec.kafka.minInsyncReplicas ?? 2);
  if (minIsr >= rf && rf > 1)
    error(
      "min-isr",
      minIsrConfigured !== undefined
        ? ["kafka", "config", "min.insync.replicas"]
        : ["kafka", "minInsyncReplicas"],
      `min.insync.replicas ${minIsr} must be below the replication factor ${rf}, or one broker down stops every acks=all producer`,
    );
  return { rf, brokers };
}

/** Each node pool's storage, and node pool names declared twice. */
function checkStorage({ spec, error, warn }: Checked) {
  spec.nodePools?.forEach((p, i) => {
    const vols = p.storage?.type === "jbod" ? (p.storage.volumes ?? []) : [];
    if (p.storage?.type === "jbod" && vols.length === 0)
      error("jbod-empty", ["nodePools", i, "storage"], "jbod storage needs at least one volume");
    if (vols.filter((v) => v.kraftMetadata).length > 1)
      error(
        "kraft-metadata",
        ["nodePools", i, "storage", "volumes"],
        "at most one JBOD volume may hold the KRaft metadata log",
      );
    if (p.storage?.type === "persistent-claim" && !p.storage.size)
      error("storage-size", ["nodePools", i, "storage"], "persistent-claim storage needs a size");
    if (p.storage?.type === "ephemeral")
      warn("ephemeral", ["nodePools", i, "storage"], "ephemeral storage loses all data when a pod restarts");
  });
  const poolNames = new Set<string>();
  spec.nodePools?.forEach((p, i) => {
    if (poolNames.has(p.name))
      error("duplicate-pool", ["nodePools", i, "name"], `node pool ${p.name} is declared twice`);
    poolNames.add(p.name);
  });
}

/** Zones: a topology key that names zones, a node selector that does not contradict them, even pools. */
function checkZones({ spec, ctx, error, warn }: Checked) {
  const placement = spec.placement;
  if (placement?.zones?.length) {
    if (placement.topologyKey === null || placement.topologyKey === "")
      error(
        "zones-without-topology-key",
        ["placement", "topologyKey"],
        `zones are declared but the topology key is empty; set it to the node label that names the zone (usually ${ZONE_TOPOLOGY_KEY})`,
      );
    else if (placement.topologyKey === "kubernetes.io/hostname")
      error(
        "zones-hostname-key",
        ["placement", "topologyKey"],
        "kubernetes.io/hostname names nodes, not zones: rack awareness would place each replica on a different node only",
      );
    const zoneKey = placement.topologyKey === undefined ? ZONE_TOPOLOGY_KEY : placement.topologyKey;
    const pinned = zoneKey ? placement.nodeSelector?.[zoneKey] : undefined;
    if (pinned !== undefined && (placement.zones.length > 1 || placement.zones[0] !== pinned))
      error(
        "zones-node-selector",
        ["placement", "nodeSelector", zoneKey as string],
        `nodeSelector pins ${zoneKey} to ${pinned}, but zones lists ${placement.zones.join(", ")}: no node satisfies both, so the pods could never be scheduled; drop ${zoneKey} from nodeSelector`,
      );
    ctx.pools.forEach((p, i) => {
      const z = placement.zones?.length ?? 0;
      if (p.replicas % z !== 0)
        warn(
          "uneven-zones",
          poolPath(spec, i, "replicas"),
          `node pool ${p.name} has ${p.replicas} replicas over ${z} zones: the zones will be unevenly loaded`,
        );
    });
  } else if (placement?.topologyKey) {
    warn(
      "topology-key-without-zones",
      ["placement", "topologyKey"],
      "a topology key without zones has no effect; list the zones",
    );
  }
}

/** Listeners: unique names and ports, encryption, and authentication each can actually run. */
function checkListeners({ spec, ctx, error, warn }: Checked): ListenerIndex {
  const listenerIndex: ListenerIndex = new Map();
  const ports = new Map<number, number>();
  ctx.listeners.forEach((l, i) => {
    const at = (...rest: PathSegment[]): PathSegment[] =>
      spec.listeners ? ["listeners", i, ...rest] : ["kafka"];
    if (listenerIndex.has(l.name))
      error("duplicate-listener", at("name"), `listener ${l.name} is declared twice`);
    listenerIndex.set(l.name, i);
    if (ports.has(l.port)) error("duplicate-port", at("port"), `port ${l.port} is used by two listeners`);
    ports.set(l.port, i);
    if (RESERVED_PORTS.has(l.port))
      error("reserved-port", at("port"), `port ${l.port} is used by Strimzi itself (9090, 9091, 9404, 8443)`);
    if (l.type === "internal-loadbalancer" && (!spec.cloud || spec.cloud === "generic"))
      error(
        "internal-lb-cloud",
        at("type"),
        "an internal load balancer needs `cloud: aks`, `eks` or `gke` to know which annotations make it internal",
      );
    if (!l.tls) {
      if (spec.fips) error("fips-plaintext", at("tls"), "FIPS mode needs TLS on every listener");
      else warn("plaintext", at("tls"), `listener ${l.name} is not encrypted (tls: false)`);
    }
    if (l.authType === "none")
      warn("no-authentication", at("authentication", "type"), `listener ${l.name} accepts anonymous clients`);
    if (l.authType === "oauth") checkOAuth(l, at, error);
    if (l.authType === "custom" && !l.authentication?.custom)
      error(
        "custom-authentication",
        at("authentication"),
        "custom authentication needs authentication.custom with its listenerConfig",
      );
    if (l.authType === "custom" && l.authentication?.custom)
      checkCustomSasl(l.name, l.authentication.custom, (path, message) =>
        error("custom-sasl", at("authentication", "custom", ...path), message),
      );
    if (l.authType === "tls" && !l.tls)
      error("mtls-plaintext", at("tls"), "mTLS authentication needs tls: true");
    if ((l.type === "ingress" || l.type === "route") && !l.tls)
      error("ingress-tls", at("tls"), `${l.type} listeners need TLS (SNI routing)`);
    if (l.type === "ingress" && (!l.host || !l.hostTemplate))
      error("ingress-hosts", at("type"), "ingress listeners need host and hostTemplate");
  });
  return listenerIndex;
}

/** An OAuth listener: an issuer and a way to validate tokens, over TLS, with an audience introspection passes. */
function checkOAuth(l: ResolvedListener, at: (...rest: PathSegment[]) => PathSegment[], error: Report) {
  const o = l.authentication?.oauth;
  if (!o?.issuer)
    error(
      "oauth-issuer",
      at("authentication", ...(o ? ["oauth"] : [])),
      `OAuth on listener ${l.name} needs an issuer (authentication.oauth.issuer) to validate tokens against`,
    );
  if (!o?.jwksEndpoint && !o?.introspectionEndpoint)
    error(
      "oauth-endpoint",
      at("authentication", ...(o ? ["oauth"] : [])),
      `OAuth on listener ${l.name} needs a jwksEndpoint (local JWT validation) or an introspectionEndpoint`,
    );
  if (o?.introspectionEndpoint && (!o.clientId || !o.clientSecret))
    error(
      "oauth-introspection",
      at("authentication", "oauth"),
      "token introspection needs clientId and clientSecret (a Secret reference)",
    );
  if (!l.tls)
    error("oauth-plaintext", at("tls"), "OAuth bearer tokens must not travel over an unencrypted listener");
  if (o?.audience && o.introspectionEndpoint && o.clientId && o.audience !== o.clientId)
    error(
      "oauth-audience",
      at("authentication", "oauth", "audience"),
      `strimzi-kafka-oauth checks the audience against oauth.client.id, which introspection sets to ${o.clientId}; set audience to ${o.clientId} or leave it out`,
    );
}

/** Literal secrets in the broker configuration. */
function checkKafkaSecrets({ spec, error }: Checked) {
  for (const [key, value] of Object.entries(spec.kafka.config ?? {}))
    if (isLiteralSecret(key, value))
      error(
        "literal-secret",
        ["kafka", "config", key],
        `${key} holds a literal value; reference a Secret instead`,
      );
}

/** Authorization: the settings block of its type and no other, an OPA decision URL, OAuth for Keycloak. */
function checkAuthorization({ spec, ctx, error }: Checked) {
  const authz = spec.authorization;
  const authzType = authz?.type ?? "simple";
  if (authz && authzType !== "simple" && !authz[authzType as "keycloak" | "opa" | "custom"])
    error(
      "authorization-settings",
      ["authorization"],
      `authorization ${authzType} needs authorization.${authzType}`,
    );
  for (const other of ["keycloak", "opa", "custom"] as const)
    if (authz?.[other] && authzType !== other)
      error(
        "authorization-ignored",
        ["authorization", other],
        `authorization.${other} is set, but authorization.type is ${authzType}: it would be ignored; set type: ${other} or remove the block`,
      );
  if (authzType === "opa" && authz?.opa && !opaDecision(authz.opa.url))
    error(
      "opa-url",
      ["authorization", "opa", "url"],
      "the OPA URL must name a decision in OPA's data API, https://<host>/v1/data/<package path>/<rule> (e.g. …/v1/data/kafka/authz/allow); kiln renders the policy for that package and rule",
    );
  if (authzType === "keycloak" && !ctx.listeners.some((l) => l.authType === "oauth"))
    error(
      "keycloak-without-oauth",
      ["authorization", "type"],
      "Keycloak authorization needs at least one listener with OAuth authentication",
    );
}

/** Users, Connect and MirrorMaker 2 each render a KafkaUser: one name may be rendered once only. */
function userClaims({ error }: Checked): Claim {
  const userNames = new Map<string, PathSegment[]>();
  return (name, path) => {
    if (userNames.has(name))
      error(
        "duplicate-user",
        path,
        `user ${name} is rendered twice (it collides with another user, Connect or MirrorMaker 2 user)`,
      );
    userNames.set(name, path);
  };
}

/** Whether a client authenticating with `userAuth` can connect to a listener with `listenerAuth`. */
function authMatches(userAuth: string, listenerAuth: string): boolean {
  return listenerAuth === "tls"
    ? userAuth === "tls" || userAuth === "tls-external"
    : listenerAuth === "scram-sha-512"
      ? userAuth === "scram-sha-512"
      : listenerAuth === "oauth"
        ? userAuth === "oauth"
        : // a custom authenticator may accept certificates or passwords too; only it names custom principals
          userAuth !== "oauth" && (userAuth !== "custom" || listenerAuth === "custom");
}

/** Users against the listeners they use. */
function checkUsers({ spec, ctx, error }: Checked, listenerIndex: ListenerIndex, claim: Claim) {
  spec.users?.forEach((u, i) => {
    claim(u.name, ["users", i, "name"]);
    if (
      (u.authentication === "oauth" || u.authentication === "custom") &&
      !ctx.listeners.some((l) => l.authType === u.authentication)
    )
      error(
        "user-without-listener",
        ["users", i, "authentication"],
        `user ${u.name} authenticates with ${u.authentication} but no listener uses ${u.authentication} authentication`,
      );
    if (!u.listener) return;
    const li = listenerIndex.get(u.listener);
    const l = li === undefined ? undefined : ctx.listeners[li];
    if (!l) error("unknown-listener", ["users", i, "listener"], `listener ${u.listener} is not declared`);
    else if (!authMatches(u.authentication, l.authType))
      error(
        "user-listener-auth",
        ["users", i, "authentication"],
        `user ${u.name} authenticates with ${u.authentication} but listener ${l.name} uses ${l.authType}: it could never connect`,
      );
  });
}

/** Connect clusters: unique names, one connector mode, their listener, autoscaling range, literal secrets. */
function checkConnect({ spec, ctx, error, warn }: Checked, listenerIndex: ListenerIndex, claim: Claim) {
  const connectNames = new Set<string>();
  spec.connect?.forEach((c, i) => {
    if (connectNames.has(c.name))
      error("duplicate-connect", ["connect", i, "name"], `Connect cluster ${c.name} is declared twice`);
    connectNames.add(c.name);
    claim(`${c.name}-connect`, ["connect", i, "name"]);
    if ((c.kafkaConnectors?.length ?? 0) > 0 && c.connectors !== "kafka-connector-resources")
      error(
        "connectors-both-modes",
        ["connect", i, "kafkaConnectors"],
        `Connect cluster ${c.name} deploys connectors over REST (connectors: ${c.connectors ?? "rest"}) but also declares KafkaConnector resources; Strimzi deletes every connector without a resource once they are enabled, so choose one mode`,
      );
    if (c.listener) {
      const li = listenerIndex.get(c.listener);
      const l = li === undefined ? undefined : ctx.listeners[li];
      if (!l) error("unknown-listener", ["connect", i, "listener"], `listener ${c.listener} is not declared`);
      else if (c.authentication && !authMatches(c.authentication, l.authType))
        error(
          "user-listener-auth",
          ["connect", i, "authentication"],
          `Connect cluster ${c.name} authenticates with ${c.authentication} but listener ${l.name} uses ${l.authType}`,
        );
    }
    if (c.autoscaling && c.autoscaling.maxReplicas < (c.autoscaling.minReplicas ?? c.replicas ?? 2))
      error(
        "autoscaling-range",
        ["connect", i, "autoscaling", "maxReplicas"],
        "maxReplicas is below minReplicas",
      );
    c.kafkaConnectors?.forEach((k, j) => {
      for (const [key, value] of Object.entries(k.config ?? {}))
        if (isLiteralSecret(key, value))
          error(
            "literal-secret",
            ["connect", i, "kafkaConnectors", j, "config", key],
            `${key} holds a literal value; reference the Secret with a config provider placeholder such as \${secrets:<namespace>/<secret>:<key>}`,
          );
    });
    for (const [key, value] of Object.entries(c.config ?? {}))
      if (isLiteralSecret(key, value))
        error(
          "literal-secret",
          ["connect", i, "config", key],
          `${key} holds a literal value; reference a Secret with a config provider placeholder`,
        );
    if ((c.plugins?.length ?? 0) > 0 && (c.pluginImages?.length ?? 0) > 0)
      warn(
        "plugins-and-plugin-images",
        ["connect", i, "pluginImages"],
        "pluginImages are mounted only when no baked image is passed to the renderer",
      );
  });
}

/** Disaster recovery: a peer that is another cluster, a role that fits the mode, no replication loop, valid patterns. */
function checkDisasterRecovery({ spec, error, warn }: Checked, claim: Claim) {
  const dr = spec.disasterRecovery;
  if (!dr) return;
  if (dr.peer.name === spec.name)
    error(
      "dr-same-cluster",
      ["disasterRecovery", "peer", "name"],
      `the DR pair names ${spec.name} twice: the peer must be the other cluster`,
    );
  if (dr.mode === "active-passive" && !dr.role)
    error(
      "dr-role",
      ["disasterRecovery", "mode"],
      "an active-passive pair needs disasterRecovery.role: primary or backup",
    );
  if (dr.mode === "active-active" && dr.role)
    warn(
      "dr-role-ignored",
      ["disasterRecovery", "role"],
      "role has no meaning in an active-active pair: both clusters are primaries",
    );
  if (dr.mode === "active-active" && dr.replicationPolicy === "identity")
    error(
      "dr-identity-loop",
      ["disasterRecovery", "replicationPolicy"],
      "active-active replication with the identity policy copies every record back and forth forever; use the default policy (source-prefixed topics)",
    );
  claim(`${dr.peer.name}-to-${spec.name}-mm2`, ["disasterRecovery"]);
  for (const field of [
    "topicsPattern",
    "topicsExcludePattern",
    "groupsPattern",
    "groupsExcludePattern",
  ] as const) {
    const pattern = dr[field];
    if (pattern === undefined) continue;
    // MirrorMaker 2 reads a comma-separated list of Java regular expressions.
    for (const part of pattern.split(",")) {
      const why = regexProblem(part.trim(), "java");
      if (why)
        error(
          "regex",
          ["disasterRecovery", field],
          `${field} "${part.trim()}" is not a valid regular expression: ${why}`,
        );
    }
  }
}

/** Kafka Exporter's filters are Go regular expressions. */
function checkExporterRegexes({ spec, error }: Checked) {
  const exporter = spec.monitoring?.kafkaExporter;
  for (const field of ["topicRegex", "groupRegex", "topicExcludeRegex", "groupExcludeRegex"] as const) {
    const pattern = exporter?.[field];
    const why = pattern === undefined ? undefined : regexProblem(pattern, "go");
    if (why)
      error(
        "regex",
        ["monitoring", "kafkaExporter", field],
        `${field} "${pattern}" is not a valid regular expression: ${why}`,
      );
  }
}

/** `scaling`: Cruise Control needs brokers to balance; autoscalers target broker-only pools within a sane range. */
function checkScaling({ spec, ctx, error, warn }: Checked, counts: Counts) {
  const s = spec.scaling;
  if (!s) return;
  if (counts.brokers < 2)
    error(
      "cruise-control-brokers",
      ["scaling"],
      `Cruise Control needs at least two brokers to move partitions between; the node pools have ${counts.brokers}`,
    );
  const inbound = s.cruiseControl?.networkCapacity?.inbound;
  if (s.autoscaling?.length && spec.monitoring?.enabled === false)
    error(
      "autoscaling-without-monitoring",
      ["scaling", "autoscaling"],
      "broker autoscalers read the metrics the rendered monitoring exports; turn monitoring on (monitoring.enabled)",
    );
  if (s.autoscaling?.length && s.cruiseControl?.autoRebalance === false)
    error(
      "autoscaling-without-auto-rebalance",
      ["scaling", "cruiseControl", "autoRebalance"],
      "an autoscaler shrinks broker pools on its own, and only Strimzi's remove-brokers auto-rebalance moves the partitions off the leaving brokers first; keep autoRebalance on with autoscaling",
    );
  const seen = new Set<string>();
  let fixed = counts.brokers;
  s.autoscaling?.forEach((a, i) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ["scaling", "autoscaling", i, ...rest];
    if (seen.has(a.pool))
      error("autoscaling-duplicate", at("pool"), `node pool ${a.pool} has two autoscalers`);
    seen.add(a.pool);
    const pool = ctx.pools.find((p) => p.name === a.pool);
    if (!pool) {
      error("autoscaling-pool", at("pool"), `node pool ${a.pool} is not declared`);
      return;
    }
    if (pool.roles.includes("controller"))
      error(
        "autoscaling-controllers",
        at("pool"),
        `node pool ${a.pool} has the controller role: controllers are never autoscaled (the KRaft quorum keeps its size); give the brokers a pool of their own`,
      );
    else if (!pool.roles.includes("broker"))
      error("autoscaling-pool", at("pool"), `node pool ${a.pool} has no broker role`);
    const min = a.minReplicas ?? pool.replicas;
    if (a.maxReplicas < min)
      error(
        "autoscaling-range",
        at("maxReplicas"),
        `maxReplicas ${a.maxReplicas} is below minReplicas ${min}`,
      );
    if (pool.replicas < min || pool.replicas > a.maxReplicas)
      error(
        "autoscaling-replicas",
        at(a.minReplicas !== undefined && pool.replicas < min ? "minReplicas" : "maxReplicas"),
        `node pool ${a.pool} starts with ${pool.replicas} replicas, outside its autoscaling range ${min}–${a.maxReplicas}`,
      );
    fixed += min - pool.replicas;
    const zones = ctx.zoneKey ? (spec.placement?.zones?.length ?? 0) : 0;
    if (zones > 1 && (min % zones !== 0 || a.maxReplicas % zones !== 0))
      warn(
        "autoscaling-zones",
        at(min % zones !== 0 && a.minReplicas !== undefined ? "minReplicas" : "maxReplicas"),
        `${min}–${a.maxReplicas} brokers over ${zones} zones: at some sizes the zones carry unequal numbers of brokers (the autoscaler adds ${zones} at a time, one per zone)`,
      );
    if (a.bytesInPerBroker && inbound && byteRate(a.bytesInPerBroker) >= byteRate(inbound))
      warn(
        "autoscaling-network",
        at("bytesInPerBroker"),
        `bytesInPerBroker ${a.bytesInPerBroker} is not below the network capacity ${inbound}: brokers are full before the autoscaler adds any`,
      );
  });
  if (s.autoscaling?.length && fixed < counts.rf)
    error(
      "autoscaling-below-replication-factor",
      ["scaling", "autoscaling"],
      `at their minReplicas the node pools hold ${fixed} brokers, fewer than the replication factor ${counts.rf}`,
    );
}

/** SASL mechanisms Kafka's broker implements itself; anything else needs a server callback handler. */
const BUILT_IN_MECHANISMS = new Set(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER"]);

/**
 * A custom SASL listener the broker would refuse to start with: Strimzi passes `listenerConfig`
 * as `listener.name.<listener>.<key>`, and Kafka needs a JAAS entry for every enabled mechanism
 * there (Strimzi writes no `KafkaServer` JAAS file). OAUTHBEARER without a server callback handler
 * accepts unsigned tokens, and a mechanism Kafka does not implement needs its own handler.
 */
function checkCustomSasl(
  listener: string,
  custom: { sasl?: boolean; listenerConfig?: Record<string, string | number | boolean | undefined> },
  fail: (path: PathSegment[], message: string) => void,
) {
  const config = custom.listenerConfig ?? {};
  const mechanisms = String(config["sasl.enabled.mechanisms"] ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
  if (!custom.sasl) {
    if (mechanisms.length > 0)
      fail(
        ["sasl"],
        `listener ${listener} enables SASL mechanisms (${mechanisms.join(", ")}) but not sasl: true, so Strimzi makes it an SSL listener and the mechanisms are never offered`,
      );
    return;
  }
  if (mechanisms.length === 0) {
    fail(
      ["listenerConfig"],
      `listener ${listener} is a SASL listener (sasl: true) without sasl.enabled.mechanisms; name the mechanisms it offers`,
    );
    return;
  }
  for (const m of mechanisms) {
    const prefix = m.toLowerCase();
    if (config[`${prefix}.sasl.jaas.config`] === undefined)
      fail(
        ["listenerConfig"],
        `listener ${listener} enables ${m} without ${prefix}.sasl.jaas.config: the broker refuses to start ("Could not find a 'KafkaServer' or 'listener.name.<listener>.${prefix}.sasl.jaas.config' entry in the JAAS configuration"); add the JAAS login module for ${m}`,
      );
    const handler = config[`${prefix}.sasl.server.callback.handler.class`];
    if (m === "OAUTHBEARER" && handler === undefined)
      fail(
        ["listenerConfig"],
        `listener ${listener} enables OAUTHBEARER without oauthbearer.sasl.server.callback.handler.class: Kafka's default handler accepts unsigned tokens; use authentication type oauth (strimzi-kafka-oauth validates tokens) or name a validating handler`,
      );
    if (!BUILT_IN_MECHANISMS.has(m) && handler === undefined)
      fail(
        ["listenerConfig"],
        `listener ${listener} enables ${m}, which Kafka does not implement; name its server callback handler in ${prefix}.sasl.server.callback.handler.class`,
      );
  }
}
