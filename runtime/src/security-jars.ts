import type { JarSetSpec, MavenArtifact } from "./maven.js";

// Jars a secured Kafka runtime adds to its brokers and clients, from Maven Central. They load
// beside Kafka's own libs, so whatever Kafka already ships (its modules, slf4j, Jackson) is
// excluded rather than duplicated in another version.

/** Strimzi OAuth: Strimzi 1.2 bundles 0.17.1. */
export const STRIMZI_OAUTH_VERSION = "0.17.1";
/**
 * The Keycloak Authorization Services authorizer: 0.15.0 is the newest Maven Central serves (the
 * module was not published with 0.16/0.17); it runs on the 0.17.1 libraries and Kafka 4.3.
 */
export const KEYCLOAK_AUTHORIZER_VERSION = "0.15.0";
export const OPA_AUTHORIZER_VERSION = "1.5.1";

const KAFKA_PROVIDES = ["org.apache.kafka:*", "org.slf4j:*", "com.fasterxml.jackson.core:*"];

const strimzi = (artifactId: string, version = STRIMZI_OAUTH_VERSION): MavenArtifact => ({
  groupId: "io.strimzi",
  artifactId,
  version,
});

/**
 * Strimzi's OAuth 2.0 libraries for brokers (`JaasServerOauthValidatorCallbackHandler`,
 * `OAuthKafkaPrincipalBuilder`, the PLAIN-over-OAuth handler, `KeycloakAuthorizer`) and clients
 * (`JaasClientOauthLoginCallbackHandler`).
 */
export const STRIMZI_OAUTH_JARS: JarSetSpec = {
  name: `strimzi-oauth-${STRIMZI_OAUTH_VERSION}`,
  artifacts: [
    strimzi("kafka-oauth-common"),
    strimzi("kafka-oauth-client"),
    strimzi("kafka-oauth-server"),
    strimzi("kafka-oauth-server-plain"),
    strimzi("kafka-oauth-keycloak-authorizer", KEYCLOAK_AUTHORIZER_VERSION),
  ],
  exclusions: KAFKA_PROVIDES,
};

/**
 * `org.openpolicyagent.kafka.OpaAuthorizer` (Scala 2.13, run on Kafka's own scala-library) and Guava.
 * It also needs jackson-module-scala, which Kafka 3 shipped and Kafka 4 no longer does: the
 * version that matches Kafka 4.3's Jackson (2.21) comes with it.
 */
export const OPA_AUTHORIZER_JARS: JarSetSpec = {
  name: `opa-authorizer-${OPA_AUTHORIZER_VERSION}`,
  artifacts: [
    { groupId: "org.openpolicyagent.kafka", artifactId: "opa-authorizer", version: OPA_AUTHORIZER_VERSION },
    { groupId: "com.fasterxml.jackson.module", artifactId: "jackson-module-scala_2.13", version: "2.21.2" },
  ],
  exclusions: [...KAFKA_PROVIDES, "org.scala-lang:*"],
};

/**
 * BouncyCastle FIPS 2.1 (bc-fips 2.1.3 and the APIs built on it, pinned exactly: their POMs ask
 * for version ranges). Modular jars: load them unchanged, they check their own integrity.
 */
export const BC_FIPS_JARS: JarSetSpec = {
  name: "bc-fips-2.1.3",
  artifacts: [
    { groupId: "org.bouncycastle", artifactId: "bc-fips", version: "2.1.3" },
    { groupId: "org.bouncycastle", artifactId: "bcutil-fips", version: "2.1.7" },
    { groupId: "org.bouncycastle", artifactId: "bcpkix-fips", version: "2.1.12" },
    { groupId: "org.bouncycastle", artifactId: "bctls-fips", version: "2.1.24" },
  ],
  transitive: false,
};

/** The Prometheus JMX exporter java agent Strimzi's images run (`metricsConfig.type: jmxPrometheusExporter`). */
export const JMX_EXPORTER_VERSION = "1.0.1";

export const JMX_EXPORTER_JARS: JarSetSpec = {
  name: `jmx-exporter-${JMX_EXPORTER_VERSION}`,
  artifacts: [
    { groupId: "io.prometheus.jmx", artifactId: "jmx_prometheus_javaagent", version: JMX_EXPORTER_VERSION },
  ],
  transitive: false,
};
