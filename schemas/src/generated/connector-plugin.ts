// Generated from json/connector-plugin.schema.json by scripts/generate-types.mjs. Do not edit.

export type HttpsUrl = string;
export type JavaClass = string;
export type Artifact = {
  type: "maven" | "jar" | "tgz" | "zip" | "other" | "github-release";
} & Artifact1;
export type Artifact1 = MavenArtifact | UrlArtifact | GithubReleaseArtifact;
/**
 * Files of the artifact left out of the plugin directory: paths inside an archive, or file names of transitive dependencies, as globs (`*` within a name, `**` across directories); a pattern without `/` matches the file name anywhere. For a package that bundles jars the worker already has, e.g. ["connect-json-*.jar", "kafka-clients-*.jar"].
 *
 * @minItems 1
 */
export type Exclude = string[];
/**
 * Lower-case hex SHA-512 of the downloaded file.
 */
export type Sha512 = string;

/**
 * A catalog entry: one Kafka Connect plugin, the classes it provides and the artifacts it is made of.
 */
export interface ConnectorPlugin {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "ConnectorPlugin";
  /**
   * Unique catalog name; also the plugin directory under /opt/kafka/plugins.
   */
  name: string;
  title: string;
  description?: string;
  /**
   * source, sink, both, or other for converters, transforms and config providers.
   */
  type: "source" | "sink" | "both" | "other";
  version: string;
  /**
   * SPDX license expression.
   */
  license: string;
  homepage?: HttpsUrl;
  documentation?: HttpsUrl;
  /**
   * Semver range of the Kafka versions the plugin supports, e.g. ">=3.9.0 <5.0.0".
   */
  kafka: string;
  /**
   * @minItems 1
   */
  owners: string[];
  /**
   * @minItems 1
   */
  classes: PluginClass[];
  /**
   * @minItems 1
   */
  artifacts: Artifact[];
  example?: Example;
}
export interface PluginClass {
  class: JavaClass;
  type: "source" | "sink" | "converter" | "header-converter" | "transform" | "predicate" | "config-provider";
}
export interface MavenArtifact {
  type: "maven";
  group: string;
  artifact: string;
  version: string;
  classifier?: string;
  extension?: "jar" | "tar.gz" | "tgz" | "zip";
  repository?: HttpsUrl;
  transitive?: boolean;
  scopes?: ("compile" | "runtime")[];
  exclude?: Exclude;
  sha512: Sha512;
}
export interface UrlArtifact {
  type: "jar" | "tgz" | "zip" | "other";
  url: HttpsUrl;
  /**
   * File name for `other` artifacts; defaults to the URL's last segment.
   */
  fileName?: string;
  /**
   * Environment variable holding the Authorization header value.
   */
  authEnv?: string;
  exclude?: Exclude;
  sha512: Sha512;
}
export interface GithubReleaseArtifact {
  type: "github-release";
  repository: string;
  tag: string;
  /**
   * Asset file name; also its name in the plugin directory.
   */
  asset: string;
  /**
   * Where the sha512 came from, since GitHub cannot be reached to verify it here.
   */
  checksumSource: string;
  exclude?: Exclude;
  sha512: Sha512;
}
/**
 * An example connector config, checked by conformance against real Kafka Connect.
 */
export interface Example {
  class: JavaClass;
  config: {
    [k: string]: string | undefined;
  };
  /**
   * Config keys allowed to fail validation when the external system is absent.
   */
  expectedErrors?: string[];
  /**
   * Key prefixes the plugin passes through without declaring them (e.g. `database.` for JDBC driver properties); other undeclared keys are reported as unknown.
   */
  passthrough?: string[];
}
