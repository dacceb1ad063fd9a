// The properties Strimzi's cluster operator writes for each KRaft node of a Kafka resource
// (KafkaBrokerConfigurationBuilder): listeners and their security, the controller quorum,
// authorization with Strimzi's component super-users, config providers and the user's
// `spec.kafka.config`. Pure: where Strimzi reads certificates from Secrets through config
// providers, this takes the paths of PEM files the caller provides.
import type { GenericKafkaListener, Kafka } from "../wire/strimzi.js";
import {
  CONTROLPLANE_LISTENER,
  CONTROLPLANE_PORT,
  componentPrincipals,
  listenerId,
  podDnsName,
  REPLICATION_LISTENER,
  REPLICATION_PORT,
} from "./names.js";
import { type Environment, listenerAddresses, type NodeRef } from "./topology.js";

/** PEM files and directories one node reads. */
export interface NodeFiles {
  /** The node's private key followed by its certificate chain (signed by the cluster CA). */
  keystore: string;
  clusterCaCert: string;
  clientsCaCert: string;
  /** A keystore PEM for a listener's own certificate (`brokerCertChainAndKey`). */
  listenerKeystore(listener: GenericKafkaListener): string;
  /** The key stores' format: PEM files, or password-protected BCFKS on a FIPS JVM. */
  keystoreFormat?: KeystoreFormat;
  logDir: string;
}

export interface KeystoreFormat {
  type: "PEM" | "BCFKS";
  /** The key store password, as a config-provider placeholder. */
  password?: string;
}

export interface BrokerConfigOptions {
  /** The address a node binds (Strimzi binds 0.0.0.0 in its pod). */
  bindAddress(node: NodeRef): string;
  files(node: NodeRef): NodeFiles;
  env: Environment;
  /** Settings that win over the user's (e.g. replication factors of a scaled-down local run). */
  overrides?: Record<string, string>;
}

const protocol = (tls: boolean, sasl: boolean) => `${sasl ? "SASL_" : ""}${tls ? "SSL" : "PLAINTEXT"}`;

export function keystoreProps(
  prefix: string,
  keystore: string,
  format: KeystoreFormat = { type: "PEM" },
): Record<string, string> {
  return {
    [`${prefix}ssl.keystore.location`]: keystore,
    [`${prefix}ssl.keystore.type`]: format.type,
    ...(format.password ? { [`${prefix}ssl.keystore.password`]: format.password } : {}),
  };
}

function pemTruststore(prefix: string, cert: string): Record<string, string> {
  return { [`${prefix}ssl.truststore.location`]: cert, [`${prefix}ssl.truststore.type`]: "PEM" };
}

/** Authentication of one user listener, and its entry in the security protocol map. */
function listenerSecurity(
  l: GenericKafkaListener,
  files: NodeFiles,
): { protocol: string; props: Record<string, string> } {
  const p = `listener.name.${listenerId(l).toLowerCase()}.`;
  const a = l.authentication;
  const props: Record<string, string> = {};
  let sasl = false;
  if (a?.type === "scram-sha-512") {
    sasl = true;
    props[`${p}scram-sha-512.sasl.jaas.config`] =
      "org.apache.kafka.common.security.scram.ScramLoginModule required ;";
    props[`${p}sasl.enabled.mechanisms`] = "SCRAM-SHA-512";
  } else if (a?.type === "tls") {
    props[`${p}ssl.client.auth`] = "required";
    Object.assign(props, pemTruststore(p, files.clientsCaCert));
  } else if (a?.type === "custom") {
    sasl = a.sasl ?? false;
    for (const [k, v] of Object.entries(a.listenerConfig ?? {})) props[`${p}${k}`] = String(v);
  }
  if (l.tls)
    Object.assign(
      props,
      keystoreProps(
        p,
        l.configuration?.brokerCertChainAndKey ? files.listenerKeystore(l) : files.keystore,
        files.keystoreFormat,
      ),
    );
  return { protocol: `${listenerId(l)}:${protocol(l.tls, sasl)}`, props };
}

/** Every property of one node, as Strimzi would configure it. */
export function brokerProperties(
  kafka: Kafka,
  node: NodeRef,
  nodes: NodeRef[],
  opts: BrokerConfigOptions,
): Record<string, string> {
  const cluster = kafka.metadata.name;
  const ns = kafka.metadata.namespace ?? "default";
  const files = opts.files(node);
  const bind = opts.bindAddress(node);
  const self = podDnsName(ns, cluster, node.podName);
  const props: Record<string, string> = {
    "node.id": String(node.nodeId),
    "process.roles": [node.broker ? "broker" : "", node.controller ? "controller" : ""]
      .filter(Boolean)
      .join(","),
    "controller.listener.names": CONTROLPLANE_LISTENER,
    "controller.quorum.voters": nodes
      .filter((n) => n.controller)
      .map((n) => `${n.nodeId}@${podDnsName(ns, cluster, n.podName)}:${CONTROLPLANE_PORT}`)
      .join(","),
  };

  // The control plane and replication listeners: mTLS between nodes with cluster CA certificates.
  const internal = (name: string) => ({
    ...keystoreProps(`listener.name.${name.toLowerCase()}.`, files.keystore, files.keystoreFormat),
    ...pemTruststore(`listener.name.${name.toLowerCase()}.`, files.clusterCaCert),
    [`listener.name.${name.toLowerCase()}.ssl.client.auth`]: "required",
  });
  const protocols = [`${CONTROLPLANE_LISTENER}:SSL`];
  const listeners: string[] = [];
  const advertised: string[] = [];
  Object.assign(props, internal(CONTROLPLANE_LISTENER));
  if (node.controller) {
    listeners.push(`${CONTROLPLANE_LISTENER}://${bind}:${CONTROLPLANE_PORT}`);
    advertised.push(`${CONTROLPLANE_LISTENER}://${self}:${CONTROLPLANE_PORT}`);
  }
  if (node.broker) {
    protocols.push(`${REPLICATION_LISTENER}:SSL`);
    listeners.push(`${REPLICATION_LISTENER}://${bind}:${REPLICATION_PORT}`);
    advertised.push(`${REPLICATION_LISTENER}://${self}:${REPLICATION_PORT}`);
    Object.assign(props, internal(REPLICATION_LISTENER));
    for (const a of listenerAddresses(kafka, nodes, opts.env)) {
      const l = a.listener;
      const security = listenerSecurity(l, files);
      protocols.push(security.protocol);
      listeners.push(`${listenerId(l)}://${bind}:${l.port}`);
      advertised.push(`${listenerId(l)}://${a.advertised.get(node.nodeId)}:${l.port}`);
      Object.assign(props, security.props);
    }
    props["inter.broker.listener.name"] = REPLICATION_LISTENER;
  }
  props["listener.security.protocol.map"] = protocols.join(",");
  props.listeners = listeners.join(",");
  props["advertised.listeners"] = advertised.join(",");
  props["sasl.enabled.mechanisms"] = "";
  props["ssl.endpoint.identification.algorithm"] = "HTTPS";

  const authz = kafka.spec.kafka.authorization;
  props["authorizer.class.name"] =
    authz.type === "simple"
      ? "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
      : String(authz.authorizerClass);
  props["super.users"] = [...componentPrincipals(cluster), ...(authz.superUsers ?? [])]
    .map((u) => `User:${u}`)
    .join(";");

  // Strimzi's own providers; its Kubernetes Secret provider is replaced by the files above.
  props["config.providers"] = "strimzienv,strimzifile,strimzidir";
  props["config.providers.strimzienv.class"] = "org.apache.kafka.common.config.provider.EnvVarConfigProvider";
  props["config.providers.strimzienv.param.allowlist.pattern"] = ".*";
  props["config.providers.strimzifile.class"] = "org.apache.kafka.common.config.provider.FileConfigProvider";
  props["config.providers.strimzidir.class"] =
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
  if (kafka.spec.kafka.metricsConfig)
    props["metric.reporters"] = "org.apache.kafka.common.metrics.JmxReporter";
  if (node.broker && kafka.spec.kafka.rack && node.zone) props["broker.rack"] = node.zone;
  props["log.dirs"] = files.logDir;

  for (const [k, v] of Object.entries(kafka.spec.kafka.config)) props[k] = String(v);
  return { ...props, ...opts.overrides };
}
