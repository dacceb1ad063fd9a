// Generated from json/connect-target.schema.json by scripts/generate-types.mjs. Do not edit.

/**
 * REST URLs of the cluster's workers (any one answers for the cluster; all are checked for plugins).
 *
 * @minItems 1
 */
export type ConnectTargetUrls = string[];
export type ConnectTargetAuth =
  | {
      type: "basic";
      /**
       * Environment variable holding the user name.
       */
      usernameEnv: string;
      /**
       * Environment variable holding the password.
       */
      passwordEnv: string;
    }
  | {
      type: "bearer";
      /**
       * Environment variable holding the bearer token.
       */
      tokenEnv: string;
    };

/**
 * A Kafka Connect cluster kiln deploys connectors to over its REST API: where it is, how to authenticate, and which connectors kiln owns there.
 */
export interface ConnectTarget {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "ConnectTarget";
  /**
   * The name connectors refer to in `connectCluster`.
   */
  name: string;
  urls: ConnectTargetUrls;
  auth?: ConnectTargetAuth;
  tls?: ConnectTargetTls;
  /**
   * What kiln does with connectors on this cluster that no connector file declares.
   */
  ownership?: {
    /**
     * ignore: leave them alone; adopt: report them as drift until a file declares them; prune: delete them (only with --prune).
     */
    mode?: "ignore" | "adopt" | "prune";
    /**
     * Connector names (globs with *) kiln never deletes, whatever the mode.
     */
    protect?: string[];
  };
  /**
   * Requests in flight at once against this cluster while applying. Connect queues writes on its leader, so a deep queue is cheap and lets it batch rebalances.
   */
  concurrency?: number;
  /**
   * Per-environment overrides of where the cluster is and how to reach it.
   */
  environments?: {
    [k: string]:
      | {
          urls?: ConnectTargetUrls;
          auth?: ConnectTargetAuth;
          tls?: ConnectTargetTls;
        }
      | undefined;
  };
}
export interface ConnectTargetTls {
  /**
   * PEM file of the CA(s) to trust.
   */
  caFile?: string;
  /**
   * PEM client certificate (mTLS).
   */
  certFile?: string;
  /**
   * PEM client key (mTLS).
   */
  keyFile?: string;
}
