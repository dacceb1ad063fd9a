// Hand-written wire types for the core Kubernetes objects kiln renders. Only the
// fields kiln sets; tests check them for apiVersion, kind and required fields.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface ConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: ObjectMeta;
  data: Record<string, string>;
}

export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ObjectMeta;
  spec: {
    podSelector: LabelSelector;
    policyTypes: ("Ingress" | "Egress")[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: { protocol: "TCP"; port: number }[] }[];
  };
}

/** One metric of an autoscaler; `Pods` metrics average over the pods the target's scale selector names. */
export type HpaMetric =
  | {
      type: "Resource";
      resource: { name: "cpu"; target: { type: "Utilization"; averageUtilization: number } };
    }
  | {
      type: "Pods";
      pods: { metric: { name: string }; target: { type: "AverageValue"; averageValue: string } };
    }
  | {
      type: "External";
      external: {
        metric: { name: string; selector?: LabelSelector };
        target: { type: "AverageValue"; averageValue: string } | { type: "Value"; value: string };
      };
    };

export interface HpaScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy?: "Max" | "Min";
  policies: { type: "Pods" | "Percent"; value: number; periodSeconds: number }[];
}

export interface HorizontalPodAutoscaler {
  apiVersion: "autoscaling/v2";
  kind: "HorizontalPodAutoscaler";
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: HpaMetric[];
    behavior?: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules };
  };
}

export interface Role {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "Role";
  metadata: ObjectMeta;
  rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[];
}

export interface RoleBinding {
  apiVersion: "rbac.authorization.k8s.io/v1";
  kind: "RoleBinding";
  metadata: ObjectMeta;
  roleRef: { apiGroup: "rbac.authorization.k8s.io"; kind: "Role"; name: string };
  subjects: { kind: "ServiceAccount"; name: string; namespace: string }[];
}

export type CoreObject = ConfigMap | NetworkPolicy | HorizontalPodAutoscaler | Role | RoleBinding;
