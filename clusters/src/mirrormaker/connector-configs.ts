// Translates a KafkaMirrorMaker2 resource into plain MirrorMaker 2 connector
// configurations (MirrorSourceConnector, MirrorCheckpointConnector and,
// optionally, MirrorHeartbeatConnector) for a Connect cluster that runs them
// over REST — the same settings Strimzi derives from the resource. Pure.
// Credentials become config-provider placeholders, never values.
import type { ClientAuthentication, KafkaMirrorMaker2, MirrorMaker2ClusterSpec } from "../wire/strimzi.js";

export type ConnectorConfig = Record<string, string>;

export interface MirrorConnectorSet {
  source: { name: string; config: ConnectorConfig };
  checkpoint: { name: string; config: ConnectorConfig };
  heartbeat?: { name: string; config: ConnectorConfig };
}

export interface TranslateOptions {
  /** Namespace of the Secrets the KubernetesSecretConfigProvider (`secrets`) reads. */
  secretsNamespace: string;
  /** Also emit a MirrorHeartbeatConnector (Strimzi v1 no longer has one). */
  heartbeats?: boolean;
  /**
   * How the Connect cluster running the connectors reaches a cluster, by alias, when that
   * differs from the resource (a plain Connect deployment outside Kubernetes): replaces the
   * resource's bootstrap address, TLS and authentication for that alias.
   */
  connections?: Record<string, ClusterConnection>;
  /** Settings merged last into every connector of one kind (tuning: intervals, `offset.lag.max`, …). */
  overrides?: { source?: ConnectorConfig; checkpoint?: ConnectorConfig; heartbeat?: ConnectorConfig };
}

export interface ClusterConnection {
  bootstrapServers: string;
  /**
   * Client settings without the `source.cluster.`/`target.cluster.` prefix (`security.protocol`,
   * `ssl.*`, `sasl.*`); `security.protocol` defaults to PLAINTEXT. Secrets as placeholders only.
   */
  client?: ConnectorConfig;
}

function secretRef(ns: string, secret: string, key: string): string {
  return `\${secrets:${ns}/${secret}:${key}}`;
}

/** Client settings for one cluster, prefixed `source.cluster.` / `target.cluster.`. */
function clusterClient(
  prefix: string,
  c: MirrorMaker2ClusterSpec,
  ns: string,
  connection?: ClusterConnection,
): ConnectorConfig {
  if (connection) {
    const out: ConnectorConfig = {
      [`${prefix}bootstrap.servers`]: connection.bootstrapServers,
      [`${prefix}security.protocol`]: "PLAINTEXT",
    };
    for (const [k, v] of Object.entries(connection.client ?? {})) out[`${prefix}${k}`] = v;
    for (const [k, v] of Object.entries(c.config ?? {})) out[`${prefix}${k}`] ??= String(v);
    return out;
  }
  const out: ConnectorConfig = { [`${prefix}bootstrap.servers`]: c.bootstrapServers };
  const tls = (c.tls?.trustedCertificates.length ?? 0) > 0;
  const auth: ClientAuthentication | undefined = c.authentication;
  const sasl = auth?.type === "scram-sha-512";
  out[`${prefix}security.protocol`] = `${sasl ? "SASL_" : ""}${tls ? "SSL" : "PLAINTEXT"}`;
  if (tls) {
    const certs = c.tls?.trustedCertificates ?? [];
    out[`${prefix}ssl.truststore.type`] = "PEM";
    out[`${prefix}ssl.truststore.certificates`] = certs
      .map((t) => secretRef(ns, t.secretName, t.certificate))
      .join("\n");
  }
  if (auth?.type === "tls") {
    out[`${prefix}ssl.keystore.type`] = "PEM";
    out[`${prefix}ssl.keystore.certificate.chain`] = secretRef(
      ns,
      auth.certificateAndKey.secretName,
      auth.certificateAndKey.certificate,
    );
    out[`${prefix}ssl.keystore.key`] = secretRef(
      ns,
      auth.certificateAndKey.secretName,
      auth.certificateAndKey.key,
    );
  } else if (auth?.type === "scram-sha-512") {
    out[`${prefix}sasl.mechanism`] = "SCRAM-SHA-512";
    // The User Operator writes the whole JAAS line into the user's Secret: the value stays one placeholder.
    out[`${prefix}sasl.jaas.config`] = secretRef(ns, auth.passwordSecret.secretName, "sasl.jaas.config");
  }
  for (const [k, v] of Object.entries(c.config ?? {})) out[`${prefix}${k}`] = String(v);
  return out;
}

const BYTE_ARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";
const BYTES: ConnectorConfig = {
  "header.converter": BYTE_ARRAY_CONVERTER,
  "key.converter": BYTE_ARRAY_CONVERTER,
  "value.converter": BYTE_ARRAY_CONVERTER,
};

function sorted(c: ConnectorConfig): ConnectorConfig {
  return Object.fromEntries(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function mirrorConnectorConfigs(mm2: KafkaMirrorMaker2, opts: TranslateOptions): MirrorConnectorSet[] {
  const target = mm2.spec.target;
  return mm2.spec.mirrors.map((m) => {
    const common: ConnectorConfig = {
      // MirrorMaker 2 copies records as bytes: a worker's default converters (JSON, say) would
      // rewrite keys, values and headers on the way (Strimzi sets the same on its MM2 workers).
      ...BYTES,
      "source.cluster.alias": m.source.alias,
      "target.cluster.alias": target.alias,
      ...clusterClient(
        "source.cluster.",
        m.source,
        opts.secretsNamespace,
        opts.connections?.[m.source.alias],
      ),
      ...clusterClient("target.cluster.", target, opts.secretsNamespace, opts.connections?.[target.alias]),
    };
    const flow = `${m.source.alias}->${target.alias}`;
    const connector = (
      cls: string,
      spec: { tasksMax?: number; config?: Record<string, string | number | boolean> } | undefined,
      extra: ConnectorConfig,
      override: ConnectorConfig | undefined,
    ) =>
      sorted({
        ...common,
        "connector.class": `org.apache.kafka.connect.mirror.${cls}`,
        ...(spec?.tasksMax ? { "tasks.max": String(spec.tasksMax) } : {}),
        ...extra,
        ...Object.fromEntries(Object.entries(spec?.config ?? {}).map(([k, v]) => [k, String(v)])),
        ...override,
      });
    const set: MirrorConnectorSet = {
      source: {
        name: `${flow}.MirrorSourceConnector`,
        config: connector(
          "MirrorSourceConnector",
          m.sourceConnector,
          {
            ...(m.topicsPattern ? { topics: m.topicsPattern } : {}),
            ...(m.topicsExcludePattern ? { "topics.exclude": m.topicsExcludePattern } : {}),
          },
          opts.overrides?.source,
        ),
      },
      checkpoint: {
        name: `${flow}.MirrorCheckpointConnector`,
        config: connector(
          "MirrorCheckpointConnector",
          m.checkpointConnector,
          {
            ...(m.groupsPattern ? { groups: m.groupsPattern } : {}),
            ...(m.groupsExcludePattern ? { "groups.exclude": m.groupsExcludePattern } : {}),
          },
          opts.overrides?.checkpoint,
        ),
      },
    };
    if (opts.heartbeats)
      set.heartbeat = {
        name: `${flow}.MirrorHeartbeatConnector`,
        config: connector(
          "MirrorHeartbeatConnector",
          { tasksMax: 1 },
          // Like the other internal topics: the target's default replication factor.
          { "heartbeats.topic.replication.factor": "-1" },
          opts.overrides?.heartbeat,
        ),
      };
    return set;
  });
}

/** A kiln Connector document (`kind: Connector`) for kiln's Connect REST deployment. */
export interface MirrorConnectorDocument {
  apiVersion: "kiln.dev/v1";
  kind: "Connector";
  name: string;
  connectCluster: string;
  plugin: { name: string; class: string };
  state?: "running" | "paused" | "stopped";
  config: ConnectorConfig;
}

/**
 * The same connectors as kiln Connector documents, deployable with `kiln connectors apply` (or
 * `planDeployment`/`applyPlan`) to a plain Connect cluster: names as Strimzi's with `->` spelled
 * `-to-` (Connector names allow letters, digits, `.`, `_`, `-`), plugin `kafka-mirror-maker`.
 * Strimzi's `autoRestart` has no config equivalent: `kiln connectors restart --failed` does it.
 */
export function mirrorConnectorDocuments(
  mm2: KafkaMirrorMaker2,
  opts: TranslateOptions & {
    connectCluster: string;
    plugin?: string;
    state?: "running" | "paused" | "stopped";
  },
): MirrorConnectorDocument[] {
  const out: MirrorConnectorDocument[] = [];
  for (const set of mirrorConnectorConfigs(mm2, opts)) {
    for (const c of [set.source, set.checkpoint, ...(set.heartbeat ? [set.heartbeat] : [])]) {
      const cls = c.config["connector.class"] as string;
      out.push({
        apiVersion: "kiln.dev/v1",
        kind: "Connector",
        name: c.name.replace("->", "-to-"),
        connectCluster: opts.connectCluster,
        plugin: { name: opts.plugin ?? "kafka-mirror-maker", class: cls },
        ...(opts.state ? { state: opts.state } : {}),
        config: c.config,
      });
    }
  }
  return out;
}
