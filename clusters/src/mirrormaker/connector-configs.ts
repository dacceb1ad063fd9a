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
}

function secretRef(ns: string, secret: string, key: string): string {
  return `\${secrets:${ns}/${secret}:${key}}`;
}

/** Client settings for one cluster, prefixed `source.cluster.` / `target.cluster.`. */
function clusterClient(prefix: string, c: MirrorMaker2ClusterSpec, ns: string): ConnectorConfig {
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
    out[`${prefix}sasl.jaas.config`] =
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="${auth.username}" password="${secretRef(ns, auth.passwordSecret.secretName, auth.passwordSecret.password)}";`;
  }
  for (const [k, v] of Object.entries(c.config ?? {})) out[`${prefix}${k}`] = String(v);
  return out;
}

function sorted(c: ConnectorConfig): ConnectorConfig {
  return Object.fromEntries(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function mirrorConnectorConfigs(mm2: KafkaMirrorMaker2, opts: TranslateOptions): MirrorConnectorSet[] {
  const target = mm2.spec.target;
  return mm2.spec.mirrors.map((m) => {
    const common: ConnectorConfig = {
      "source.cluster.alias": m.source.alias,
      "target.cluster.alias": target.alias,
      ...clusterClient("source.cluster.", m.source, opts.secretsNamespace),
      ...clusterClient("target.cluster.", target, opts.secretsNamespace),
    };
    const flow = `${m.source.alias}->${target.alias}`;
    const connector = (
      cls: string,
      spec: { tasksMax?: number; config?: Record<string, string | number | boolean> } | undefined,
      extra: ConnectorConfig,
    ) =>
      sorted({
        ...common,
        "connector.class": `org.apache.kafka.connect.mirror.${cls}`,
        ...(spec?.tasksMax ? { "tasks.max": String(spec.tasksMax) } : {}),
        ...extra,
        ...Object.fromEntries(Object.entries(spec?.config ?? {}).map(([k, v]) => [k, String(v)])),
      });
    const set: MirrorConnectorSet = {
      source: {
        name: `${flow}.MirrorSourceConnector`,
        config: connector("MirrorSourceConnector", m.sourceConnector, {
          ...(m.topicsPattern ? { topics: m.topicsPattern } : {}),
          ...(m.topicsExcludePattern ? { "topics.exclude": m.topicsExcludePattern } : {}),
        }),
      },
      checkpoint: {
        name: `${flow}.MirrorCheckpointConnector`,
        config: connector("MirrorCheckpointConnector", m.checkpointConnector, {
          ...(m.groupsPattern ? { groups: m.groupsPattern } : {}),
          ...(m.groupsExcludePattern ? { "groups.exclude": m.groupsExcludePattern } : {}),
        }),
      },
    };
    if (opts.heartbeats)
      set.heartbeat = {
        name: `${flow}.MirrorHeartbeatConnector`,
        config: connector("MirrorHeartbeatConnector", { tasksMax: 1 }, {}),
      };
    return set;
  });
}
