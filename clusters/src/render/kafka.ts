import type { Listener, NodePool } from "@kiln/schemas";
import type {
  Affinity,
  GenericKafkaListener,
  Kafka,
  KafkaAuthorization,
  KafkaNodePool,
  ListenerAuthentication,
  PodTemplate,
  Storage,
  StorageVolume,
} from "../wire/strimzi.js";
import { STRIMZI_API } from "../wire/strimzi.js";
import {
  type Ctx,
  defined,
  meta,
  peer,
  RenderError,
  type ResolvedListener,
  strimziCluster,
} from "./context.js";
import {
  brokerDefaults,
  FIPS_SCRAM_PASSWORD_LENGTH,
  FIPS_TLS,
  HOST_TOPOLOGY_KEY,
  INTERNAL_LB_ANNOTATIONS,
  jmxMetricsConfig,
  OAUTH_PRINCIPAL_BUILDER,
  RACK_AWARE_SELECTOR,
} from "./defaults.js";
import { renderCruiseControl } from "./scaling.js";

export const KAFKA_METRICS_CONFIGMAP = (cluster: string) => `${cluster}-kafka-metrics`;
export const EXPORTER_LABEL = "kafka-exporter";

function storage(s: NodePool["storage"], roles: NodePool["roles"]): Storage {
  const volume = (v: { size?: string; class?: string; deleteClaim?: boolean }): StorageVolume => ({
    type: "persistent-claim",
    ...(v.size ? { size: v.size } : {}),
    ...(v.class ? { class: v.class } : {}),
    deleteClaim: v.deleteClaim ?? false,
  });
  if (!s)
    return {
      type: "jbod",
      volumes: [
        { id: 0, ...volume({ size: roles.includes("broker") ? "100Gi" : "20Gi" }), kraftMetadata: "shared" },
      ],
    };
  if (s.type === "ephemeral") return { type: "ephemeral" };
  // A single volume holds the metadata log anyway; kraftMetadata only picks among JBOD volumes.
  if (s.type === "persistent-claim") return volume(s);
  const volumes = s.volumes ?? [];
  const explicit = volumes.some((v) => v.kraftMetadata);
  return {
    type: "jbod",
    volumes: volumes.map((v, id) => ({
      id,
      ...volume(v),
      ...(v.kraftMetadata || (!explicit && id === 0) ? { kraftMetadata: "shared" as const } : {}),
    })),
  };
}

/** Scheduling for one pool: dedicated nodes, one pod of a role per node, spread evenly over zones. */
export function poolTemplate(ctx: Ctx, pool: NodePool): PodTemplate | undefined {
  const placement = ctx.cluster.placement ?? {};
  const template: PodTemplate = {};
  const terms = Object.entries(defined(placement.nodeSelector))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, operator: "In" as const, values: [value] }));
  if (ctx.zoneKey && placement.zones)
    terms.push({ key: ctx.zoneKey, operator: "In", values: [...placement.zones] });
  const affinity: Affinity = {};
  if (terms.length > 0)
    affinity.nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: terms }] },
    };
  affinity.podAntiAffinity = {
    requiredDuringSchedulingIgnoredDuringExecution: pool.roles.map((role) => ({
      labelSelector: { matchLabels: { ...strimziCluster(ctx.name), [`strimzi.io/${role}-role`]: "true" } },
      topologyKey: HOST_TOPOLOGY_KEY,
    })),
  };
  template.affinity = affinity;
  if (placement.tolerations?.length) template.tolerations = placement.tolerations.map((t) => ({ ...t }));
  if (ctx.zoneKey) {
    template.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: ctx.zoneKey,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { ...strimziCluster(ctx.name), "strimzi.io/pool-name": pool.name } },
      },
    ];
  }
  return template;
}

/** Where a Secret the brokers read (a trust store) is mounted in their pods. */
export const secretMountPath = (secretName: string) => `/mnt/secrets/${secretName}`;

type SecretEnv = { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/**
 * What brokers read from Secrets: trust stores for the authorization server or OPA (each Secret
 * mounted as a volume under /mnt/secrets/<name>) and passwords (environment variables, read
 * through Strimzi's `strimzienv` provider). Manifests carry only the references.
 */
function brokerSecrets(ctx: Ctx): { volumes: { name: string; secretName: string }[]; env: SecretEnv[] } {
  const mounted = new Set<string>();
  const env: SecretEnv[] = [];
  const fromSecret = (name: string, ref: { secretName: string; key: string }) =>
    env.push({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
  for (const l of ctx.listeners) {
    const o = l.authType === "oauth" ? l.authentication?.oauth : undefined;
    if (o?.trustedCertificates) mounted.add(o.trustedCertificates.secretName);
    if (o?.introspectionEndpoint && o.clientSecret && !env.some((e) => e.name === "OAUTH_CLIENT_SECRET"))
      fromSecret("OAUTH_CLIENT_SECRET", o.clientSecret);
  }
  const a = ctx.cluster.authorization;
  if (a?.type === "keycloak" && a.keycloak?.trustedCertificates)
    mounted.add(a.keycloak.trustedCertificates.secretName);
  const opaTrust = a?.type === "opa" ? a.opa?.trustedCertificates : undefined;
  if (opaTrust) {
    mounted.add(opaTrust.secretName);
    fromSecret("OPA_TRUSTSTORE_PASSWORD", {
      secretName: opaTrust.secretName,
      key: opaTrust.password ?? "truststore.password",
    });
  }
  return { volumes: [...mounted].sort().map((secretName, i) => ({ name: `secret-${i}`, secretName })), env };
}

export function renderNodePools(ctx: Ctx): KafkaNodePool[] {
  // A pool's `template.pod` replaces the Kafka-level one for its pods, so volumes go on every pool.
  const secrets = brokerSecrets(ctx).volumes;
  const volumes =
    secrets.length > 0
      ? { volumes: secrets.map((v) => ({ name: v.name, secret: { secretName: v.secretName } })) }
      : {};
  return ctx.pools.map((pool) => ({
    apiVersion: STRIMZI_API,
    kind: "KafkaNodePool",
    metadata: meta(ctx, pool.name, strimziCluster(ctx.name)),
    spec: {
      replicas: pool.replicas,
      roles: [...pool.roles].sort(),
      storage: storage(pool.storage, pool.roles),
      ...(pool.resources ? { resources: structuredClone(pool.resources) } : {}),
      ...(pool.jvm ? { jvmOptions: jvm(pool.jvm) } : {}),
      template: { pod: { ...(poolTemplate(ctx, pool) ?? {}), ...volumes } },
    },
  }));
}

export function jvm(j: { xms?: string; xmx?: string }) {
  return { ...(j.xms ? { "-Xms": j.xms } : {}), ...(j.xmx ? { "-Xmx": j.xmx } : {}) };
}

/** A Kafka config-provider placeholder, `${provider:key}`. */
export function placeholder(ref: string): string {
  return `$${"{"}${ref}}`;
}

function quote(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** OAuth 2.0 on a listener: Strimzi 1.x's custom authentication with the strimzi-kafka-oauth OAUTHBEARER handler. */
function oauthAuthentication(l: Listener): ListenerAuthentication {
  const o = l.authentication?.oauth;
  if (!o?.issuer) throw new RenderError(`listener ${l.name}: OAuth needs an issuer`);
  // The broker's own OAUTHBEARER login (the server side logs in too) needs a subject for its
  // unsecured placeholder token, or the broker refuses to start ("No principal name in JWT
  // claim: sub"); Strimzi's own builder writes the same option.
  const opts: [string, string][] = [
    ["unsecuredLoginStringClaim_sub", "thePrincipalName"],
    ["oauth.valid.issuer.uri", o.issuer],
  ];
  if (o.jwksEndpoint) opts.push(["oauth.jwks.endpoint.uri", o.jwksEndpoint]);
  if (o.introspectionEndpoint) {
    opts.push(["oauth.introspection.endpoint.uri", o.introspectionEndpoint]);
    if (o.clientId) opts.push(["oauth.client.id", o.clientId]);
    // The secret's value reaches the broker as an environment variable; the manifest holds only its name.
    if (o.clientSecret) opts.push(["oauth.client.secret", placeholder("strimzienv:OAUTH_CLIENT_SECRET")]);
  }
  if (o.audience) {
    opts.push(["oauth.check.audience", "true"]);
    opts.push(["oauth.client.id", o.audience]);
  }
  opts.push(["oauth.username.claim", o.usernameClaim ?? "preferred_username"]);
  if (o.trustedCertificates) {
    opts.push([
      "oauth.ssl.truststore.location",
      `${secretMountPath(o.trustedCertificates.secretName)}/${o.trustedCertificates.certificate ?? "ca.crt"}`,
    ]);
    opts.push(["oauth.ssl.truststore.type", "PEM"]);
  }
  const seen = new Set<string>();
  const jaas = opts
    .filter(([k]) => {
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(" ");
  return {
    type: "custom",
    sasl: true,
    listenerConfig: {
      "sasl.enabled.mechanisms": "OAUTHBEARER",
      "oauthbearer.sasl.server.callback.handler.class":
        "io.strimzi.kafka.oauth.server.JaasServerOauthValidatorCallbackHandler",
      "oauthbearer.sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ${jaas};`,
      "oauthbearer.connections.max.reauth.ms": 3600000,
    },
  };
}

function listenerAuthentication(l: ResolvedListener): ListenerAuthentication | undefined {
  switch (l.authType) {
    case "none":
      return undefined;
    case "tls":
      return { type: "tls" };
    case "scram-sha-512":
      return { type: "scram-sha-512" };
    case "oauth":
      return oauthAuthentication(l);
    default: {
      const c = l.authentication?.custom;
      return {
        type: "custom",
        ...(c?.sasl !== undefined ? { sasl: c.sasl } : {}),
        listenerConfig: defined(c?.listenerConfig),
      };
    }
  }
}

export function renderListener(ctx: Ctx, l: ResolvedListener): GenericKafkaListener {
  const internalLb = l.type === "internal-loadbalancer";
  const out: GenericKafkaListener = {
    name: l.name,
    port: l.port,
    type: internalLb
      ? "loadbalancer"
      : l.type === "internal" ||
          l.type === "cluster-ip" ||
          l.type === "loadbalancer" ||
          l.type === "nodeport" ||
          l.type === "ingress" ||
          l.type === "route"
        ? l.type
        : "internal",
    tls: l.tls,
  };
  const auth = listenerAuthentication(l);
  if (auth) out.authentication = auth;
  const configuration: NonNullable<GenericKafkaListener["configuration"]> = {};
  if (l.certificate) configuration.brokerCertChainAndKey = { ...l.certificate };
  if (l.alternativeNames?.length) configuration.bootstrap = { alternativeNames: [...l.alternativeNames] };
  if (internalLb) {
    const cloud = ctx.cluster.cloud;
    if (!cloud || cloud === "generic")
      throw new RenderError(`listener ${l.name}: an internal load balancer needs cloud: aks, eks or gke`);
    const annotations = INTERNAL_LB_ANNOTATIONS[cloud];
    configuration.bootstrap = { ...configuration.bootstrap, annotations: { ...annotations } };
    configuration.perBrokerAnnotationsTemplate = { ...annotations };
  }
  if (l.sourceRanges?.length && (l.type === "loadbalancer" || internalLb))
    configuration.loadBalancerSourceRanges = [...l.sourceRanges];
  if (l.type === "ingress" || l.type === "route") {
    if (l.host) configuration.bootstrap = { ...(configuration.bootstrap ?? {}), host: l.host };
    if (l.hostTemplate) configuration.hostTemplate = l.hostTemplate;
    if (l.ingressClass) configuration.class = l.ingressClass;
  }
  if (Object.keys(configuration).length > 0) out.configuration = configuration;
  if (l.peers?.length) out.networkPolicyPeers = l.peers.map(peer);
  return out;
}

function authorization(ctx: Ctx): {
  authz: KafkaAuthorization;
  config: Record<string, string | number | boolean>;
} {
  const a = ctx.cluster.authorization ?? {};
  const superUsers = [...(a.superUsers ?? [])].sort();
  const su = superUsers.length > 0 ? { superUsers } : {};
  switch (a.type ?? "simple") {
    case "simple":
      return { authz: { type: "simple", ...su }, config: {} };
    case "keycloak": {
      const k = a.keycloak;
      if (!k) throw new RenderError("authorization keycloak needs authorization.keycloak");
      return {
        authz: {
          type: "custom",
          authorizerClass: "io.strimzi.kafka.oauth.server.authorizer.KeycloakAuthorizer",
          supportsAdminApi: true,
          ...su,
        },
        config: {
          "strimzi.authorization.client.id": k.clientId,
          "strimzi.authorization.token.endpoint.uri": k.tokenEndpoint,
          "strimzi.authorization.delegate.to.kafka.acl": String(k.delegateToKafkaAcls ?? true),
          ...(k.trustedCertificates
            ? {
                "strimzi.authorization.ssl.truststore.location": `${secretMountPath(k.trustedCertificates.secretName)}/${k.trustedCertificates.certificate ?? "ca.crt"}`,
                "strimzi.authorization.ssl.truststore.type": "PEM",
              }
            : {}),
        },
      };
    }
    case "opa": {
      const o = a.opa;
      if (!o) throw new RenderError("authorization opa needs authorization.opa");
      return {
        authz: { type: "custom", authorizerClass: "org.openpolicyagent.kafka.OpaAuthorizer", ...su },
        config: {
          "opa.authorizer.url": o.url,
          "opa.authorizer.allow.on.error": String(o.allowOnError ?? false),
          "opa.authorizer.cache.expire.after.seconds": 3600,
          // The authorizer loads a Java key store (PKCS12), not PEM, to trust OPA's certificate.
          ...(o.trustedCertificates
            ? {
                "opa.authorizer.truststore.path": `${secretMountPath(o.trustedCertificates.secretName)}/${o.trustedCertificates.truststore ?? "truststore.p12"}`,
                "opa.authorizer.truststore.password": placeholder("strimzienv:OPA_TRUSTSTORE_PASSWORD"),
                "opa.authorizer.truststore.type": "PKCS12",
              }
            : {}),
        },
      };
    }
    default: {
      const c = a.custom;
      if (!c) throw new RenderError("authorization custom needs authorization.custom");
      return {
        authz: {
          type: "custom",
          authorizerClass: c.authorizerClass,
          ...(c.supportsAdminApi !== undefined ? { supportsAdminApi: c.supportsAdminApi } : {}),
          ...su,
        },
        config: defined(c.config),
      };
    }
  }
}

export function renderKafka(ctx: Ctx): Kafka {
  const c = ctx.cluster;
  const rf = c.kafka.replicationFactor ?? 3;
  const minIsr = c.kafka.minInsyncReplicas ?? 2;
  const { authz, config: authzConfig } = authorization(ctx);
  const config: Record<string, string | number | boolean> = {
    ...brokerDefaults(rf, minIsr),
    ...(ctx.zoneKey ? { "replica.selector.class": RACK_AWARE_SELECTOR } : {}),
    ...(ctx.fips ? FIPS_TLS : {}),
    // Strimzi sets this itself only for its deprecated `type: oauth`; kiln renders OAuth as `custom`.
    ...(ctx.listeners.some((l) => l.authType === "oauth")
      ? { "principal.builder.class": OAUTH_PRINCIPAL_BUILDER }
      : {}),
    ...authzConfig,
    ...defined(c.kafka.config),
  };
  const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));

  // Trust stores and passwords reach the brokers as mounted Secrets and env vars (the volumes
  // themselves are on the node pools' pod templates).
  const { volumes, env } = brokerSecrets(ctx);

  const kafka: Kafka["spec"]["kafka"] = {
    version: ctx.version,
    metadataVersion: ctx.metadataVersion,
    ...(c.kafka.image
      ? { image: c.kafka.image }
      : c.authorization?.type === "opa" && c.authorization.opa
        ? { image: c.authorization.opa.image }
        : {}),
    listeners: ctx.listeners.map((l) => renderListener(ctx, l)),
    authorization: authz,
    config: sorted,
    ...(ctx.zoneKey ? { rack: { topologyKey: ctx.zoneKey } } : {}),
    template: {
      podDisruptionBudget: { maxUnavailable: 1 },
      ...(volumes.length || env.length
        ? {
            kafkaContainer: {
              ...(volumes.length
                ? {
                    volumeMounts: volumes.map((v) => ({
                      name: v.name,
                      mountPath: secretMountPath(v.secretName),
                    })),
                  }
                : {}),
              ...(env.length ? { env } : {}),
            },
          }
        : {}),
    },
  };
  if (c.monitoring?.enabled !== false)
    kafka.metricsConfig = jmxMetricsConfig(KAFKA_METRICS_CONFIGMAP(ctx.name));

  const spec: Kafka["spec"] = {
    kafka,
    entityOperator: {
      topicOperator: {},
      userOperator: {},
      ...(ctx.fips
        ? {
            template: {
              userOperatorContainer: {
                env: [
                  { name: "STRIMZI_SCRAM_SHA_PASSWORD_LENGTH", value: String(FIPS_SCRAM_PASSWORD_LENGTH) },
                ],
              },
            },
          }
        : {}),
    },
  };
  const cruiseControl = renderCruiseControl(ctx);
  if (cruiseControl) spec.cruiseControl = cruiseControl;
  if (c.monitoring?.enabled !== false) {
    const e = c.monitoring?.kafkaExporter ?? {};
    spec.kafkaExporter = {
      topicRegex: e.topicRegex ?? ".*",
      groupRegex: e.groupRegex ?? ".*",
      ...(e.topicExcludeRegex ? { topicExcludeRegex: e.topicExcludeRegex } : {}),
      ...(e.groupExcludeRegex ? { groupExcludeRegex: e.groupExcludeRegex } : {}),
    };
  }
  return { apiVersion: STRIMZI_API, kind: "Kafka", metadata: meta(ctx, ctx.name), spec };
}
