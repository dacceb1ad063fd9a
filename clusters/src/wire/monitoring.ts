// prometheus-operator wire types (monitoring.coreos.com/v1), the subset kiln renders.
import type { LabelSelector, ObjectMeta } from "./k8s.js";

export interface PodMonitor {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "PodMonitor";
  metadata: ObjectMeta;
  spec: {
    selector: LabelSelector;
    namespaceSelector: { matchNames: string[] };
    podMetricsEndpoints: {
      port: string;
      path?: string;
      interval?: string;
      relabelings?: {
        sourceLabels?: string[];
        targetLabel?: string;
        action?: string;
        regex?: string;
        replacement?: string;
        separator?: string;
      }[];
    }[];
  };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook?: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface PrometheusRule {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "PrometheusRule";
  metadata: ObjectMeta;
  spec: { groups: RuleGroup[] };
}
