// Generated from json/connector.schema.json by scripts/generate-types.mjs. Do not edit.

/**
 * A connector instance deployed to a Kafka Connect cluster, with optional per-environment overlays.
 */
export interface Connector {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "Connector";
  name: string;
  /**
   * Name of the Connect cluster (in a Cluster definition or a Connect target) it runs on.
   */
  connectCluster: string;
  plugin: {
    /**
     * Catalog entry name.
     */
    name: string;
    /**
     * Semver range the entry's version must satisfy.
     */
    version?: string;
    /**
     * Connector class; required when the entry provides more than one.
     */
    class?: string;
  };
  state?: "running" | "paused" | "stopped";
  tasksMax?: number;
  config: Config;
  /**
   * Per-environment overlays merged over the base (null removes a key).
   */
  environments?: {
    [k: string]:
      | {
          state?: "running" | "paused" | "stopped";
          tasksMax?: number;
          connectCluster?: string;
          config?: {
            [k: string]: (string | number | boolean | null) | undefined;
          };
        }
      | undefined;
  };
}
/**
 * Connector configuration. Secrets only as config-provider placeholders (${file:…}, ${env:…}, ${secrets:…}, ${directory:…}).
 */
export interface Config {
  [k: string]: (string | number | boolean) | undefined;
}
