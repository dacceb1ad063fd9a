/** Wire shapes of the Kafka Connect REST API (the subset kiln reads). */

export type ConnectorState = "RUNNING" | "PAUSED" | "STOPPED" | "FAILED" | "UNASSIGNED" | "RESTARTING";
export type InitialState = "RUNNING" | "PAUSED" | "STOPPED";

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string;
}

export interface TaskStatus {
  id: number;
  state: ConnectorState;
  worker_id: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: TaskStatus[];
  type?: "source" | "sink" | "unknown";
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: Array<{ connector: string; task: number }>;
  type?: "source" | "sink" | "unknown";
}

/** One entry of `GET /connectors?expand=status&expand=info`. */
export interface ExpandedConnector {
  info?: ConnectorInfo;
  status?: ConnectorStatus;
}

export interface PluginInfo {
  class: string;
  type: string;
  version?: string;
}

/** One definition of `GET /connector-plugins/{class}/config`. */
export interface PluginConfigKey {
  name: string;
  type: string;
  required?: boolean;
  default_value?: string | null;
  importance?: string;
  documentation?: string;
  group?: string | null;
  order_in_group?: number;
  width?: string;
  display_name?: string;
  dependents?: string[];
}

export interface ValidationResult {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{
    definition: PluginConfigKey;
    /** Null for a key its validation left without a value. */
    value: {
      name: string;
      value: string | null;
      recommended_values: string[];
      errors: string[];
      visible: boolean;
    } | null;
  }>;
}

export interface ConnectorOffsets {
  offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }>;
}

export interface OffsetsMessage {
  message: string;
}
