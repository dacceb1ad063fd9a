// The properties Strimzi writes for a Kafka Connect worker (KafkaConnectConfigurationBuilder and
// KafkaConnectCluster's defaults) — for a KafkaConnect, and for the Connect cluster a
// KafkaMirrorMaker2 runs on (its target). Security settings go to the worker and, prefixed, to
// its producers, consumers and admin clients; the user's `config` is applied as is. Pure: where
// Strimzi reads Secrets through config providers, this takes files the caller provides.

import type {
  CertSecretSource,
  ClientAuthentication,
  ClientTls,
  ConfigValues,
  TrustedCertificate,
} from "../wire/strimzi.js";
import { type KeystoreFormat, keystoreProps } from "./broker-config.js";

/** The parts of a KafkaConnect (or a KafkaMirrorMaker2 target) a worker's properties come from. */
export interface ConnectWorkerSpec {
  bootstrapServers: string;
  groupId: string;
  configStorageTopic: string;
  offsetStorageTopic: string;
  statusStorageTopic: string;
  tls?: ClientTls;
  authentication?: ClientAuthentication;
  config?: ConfigValues;
}

export interface ConnectFiles {
  /** A PEM file holding every trusted certificate. */
  trust(certs: TrustedCertificate[]): string;
  /** A PEM keystore (private key, then certificate) from a certificate Secret. */
  keystore(secret: CertSecretSource): string;
  /** The directory holding a Secret's keys as files (read with DirectoryConfigProvider). */
  secretDir(secretName: string): string;
  /** The key store's format: a PEM file, or password-protected BCFKS on a FIPS JVM. */
  keystoreFormat?: KeystoreFormat;
}

export interface ConnectWorkerOptions {
  files: ConnectFiles;
  /** `http://<address>:8083`, and the host and port other workers forward requests to. */
  restListener: string;
  restHost: string;
  restPort: number;
  pluginPath: string;
  /** The zone of the worker's node, when the resource is rack-aware (`consumer.client.rack`). */
  zone?: string;
}

const CLIENTS = ["", "producer.", "consumer.", "admin."];
const STRIMZI_PROVIDERS = "strimzienv,strimzifile,strimzidir";

export function connectWorkerProperties(
  spec: ConnectWorkerSpec,
  opts: ConnectWorkerOptions,
): Record<string, string> {
  const props: Record<string, string> = {
    "bootstrap.servers": spec.bootstrapServers,
    // KafkaConnectCluster's defaults, overridden by the resource's own names.
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "config.storage.replication.factor": "-1",
    "offset.storage.replication.factor": "-1",
    "status.storage.replication.factor": "-1",
    "group.id": spec.groupId,
    "config.storage.topic": spec.configStorageTopic,
    "offset.storage.topic": spec.offsetStorageTopic,
    "status.storage.topic": spec.statusStorageTopic,
    listeners: opts.restListener,
    "rest.advertised.host.name": opts.restHost,
    "rest.advertised.port": String(opts.restPort),
    "plugin.path": opts.pluginPath,
  };
  const tls = (spec.tls?.trustedCertificates.length ?? 0) > 0;
  const auth = spec.authentication;
  const sasl = auth?.type === "scram-sha-512";
  const security: Record<string, string> = {
    "security.protocol": `${sasl ? "SASL_" : ""}${tls ? "SSL" : "PLAINTEXT"}`,
  };
  if (tls)
    Object.assign(security, {
      "ssl.truststore.location": opts.files.trust(spec.tls?.trustedCertificates ?? []),
      "ssl.truststore.type": "PEM",
    });
  if (auth?.type === "tls")
    Object.assign(
      security,
      keystoreProps("", opts.files.keystore(auth.certificateAndKey), opts.files.keystoreFormat),
    );
  else if (auth?.type === "scram-sha-512")
    Object.assign(security, {
      "sasl.mechanism": "SCRAM-SHA-512",
      "sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="${auth.username}" password="\${strimzidir:${opts.files.secretDir(auth.passwordSecret.secretName)}:${auth.passwordSecret.password}}";`,
    });
  for (const prefix of CLIENTS) for (const [k, v] of Object.entries(security)) props[`${prefix}${k}`] = v;
  if (opts.zone) props["consumer.client.rack"] = opts.zone;

  const user = Object.fromEntries(Object.entries(spec.config ?? {}).map(([k, v]) => [k, String(v)]));
  props["config.providers"] = user["config.providers"]
    ? `${user["config.providers"]},${STRIMZI_PROVIDERS}`
    : STRIMZI_PROVIDERS;
  delete user["config.providers"];
  Object.assign(props, {
    "config.providers.strimzienv.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    "config.providers.strimzienv.param.allowlist.pattern": ".*",
    "config.providers.strimzifile.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
    "config.providers.strimzidir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
  });
  return { ...props, ...user };
}
