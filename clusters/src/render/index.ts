import type { Cluster } from "@kiln/schemas";
import { type ConnectivityMatrix, connectivity } from "../network/model.js";
import type { CoreObject } from "../wire/k8s.js";
import type { PodMonitor, PrometheusRule } from "../wire/monitoring.js";
import type { KafkaUser, StrimziObject } from "../wire/strimzi.js";
import { type ConnectRenderOptions, renderConnect } from "./connect.js";
import { RenderError, resolve } from "./context.js";
import { renderKafka, renderNodePools } from "./kafka.js";
import { renderDisasterRecovery } from "./mirrormaker2.js";
import { type AlertOptions, alertmanagerExample } from "./monitoring/alerts.js";
import { renderMonitoring } from "./monitoring/index.js";
import { renderOpaPolicy } from "./opa.js";
import { renderRunbook } from "./runbook.js";
import { adapterConfig, renderBrokerAutoscalers, renderRebalanceTemplates } from "./scaling.js";
import { renderScalingRunbook } from "./scaling-runbook.js";
import { aclsEnforced, renderAppUser } from "./users.js";

export type RenderedObject = StrimziObject | CoreObject | PodMonitor | PrometheusRule;

/** Which output directory an object belongs in. */
export type Component = "kafka" | "users" | "connect" | "mirrormaker2" | "monitoring" | "network";

export interface RenderedItem {
  component: Component;
  object: RenderedObject;
}

export interface RenderResult {
  items: RenderedItem[];
  /** Extra documents (not Kubernetes objects) by relative path, e.g. the DR runbook. */
  documents: Record<string, string>;
  warnings: string[];
  /** Required and forbidden flows over kiln's and Strimzi's NetworkPolicies (also in `connectivity.json`). */
  connectivity: ConnectivityMatrix;
}

export type RenderOptions = ConnectRenderOptions &
  AlertOptions & {
    /** The other Cluster file of a DR pair: MirrorMaker 2 across the pair joins the connectivity matrix. */
    peers?: Cluster[];
    /** The Cluster file the definition came from: a refusal is located there. */
    file?: string;
  };

function componentOf(o: RenderedObject): Component {
  switch (o.kind) {
    case "Kafka":
    case "KafkaNodePool":
    case "KafkaRebalance":
      return "kafka";
    case "KafkaUser":
      return "users";
    case "KafkaConnect":
    case "KafkaConnector":
    case "Role":
    case "RoleBinding":
      return "connect";
    case "HorizontalPodAutoscaler":
      return o.spec.scaleTargetRef.kind === "KafkaNodePool" ? "kafka" : "connect";
    case "KafkaMirrorMaker2":
      return "mirrormaker2";
    case "NetworkPolicy":
      return "network";
    case "ConfigMap":
      return o.metadata.labels?.["openpolicyagent.org/policy"] ? "kafka" : "monitoring";
    default:
      return "monitoring";
  }
}

/** Renders every object for one Cluster definition. Pure: no fs, clock or network. */
export function renderCluster(cluster: Cluster, options: RenderOptions = {}): RenderResult {
  const { file, ...rest } = options;
  try {
    return renderWithPeers(cluster, rest);
  } catch (err) {
    if (file && err instanceof RenderError && !err.location)
      throw new RenderError(err.userMessage, { location: { file }, cause: err });
    throw err;
  }
}

function renderWithPeers(cluster: Cluster, options: Omit<RenderOptions, "file">): RenderResult {
  const { peers = [], ...rest } = options;
  const own = renderObjects(cluster, rest);
  const matrix = connectivity(
    { ctx: own.ctx, objects: own.objects },
    peers.map((p) => {
      const r = renderObjects(p, {});
      return { ctx: r.ctx, objects: r.objects };
    }),
  );
  return {
    items: own.objects.map((object) => ({ component: componentOf(object), object })),
    documents: { ...own.documents, "connectivity.json": `${JSON.stringify(matrix, null, 2)}\n` },
    warnings: own.warnings,
    connectivity: matrix,
  };
}

function renderObjects(cluster: Cluster, options: ConnectRenderOptions & AlertOptions) {
  const ctx = resolve(cluster);
  const objects: RenderedObject[] = [
    renderKafka(ctx),
    ...renderNodePools(ctx),
    ...renderRebalanceTemplates(ctx),
    ...renderBrokerAutoscalers(ctx),
  ];
  const warnings: string[] = [];
  for (const u of cluster.users ?? []) objects.push(renderAppUser(ctx, u));
  for (const c of cluster.connect ?? []) {
    const r = renderConnect(ctx, c, options);
    objects.push(...r.objects);
    warnings.push(...r.warnings);
  }
  objects.push(...renderDisasterRecovery(ctx));
  const users = objects.filter((o): o is KafkaUser => o.kind === "KafkaUser");
  // Under OPA the users' grants become the policy; Kafka ACLs would not be consulted (and
  // OpaAuthorizer cannot store them, so the User Operator's ACL calls would fail).
  if (ctx.cluster.authorization?.type === "opa") objects.push(renderOpaPolicy(ctx, users));
  if (!aclsEnforced(ctx)) for (const u of users) delete u.spec.authorization;
  objects.push(...renderMonitoring(ctx, options));
  const documents: Record<string, string> = {};
  const runbook = renderRunbook(ctx);
  if (runbook) documents["DR-RUNBOOK.md"] = runbook;
  const scaling = renderScalingRunbook(ctx);
  if (scaling) documents["SCALING-RUNBOOK.md"] = scaling;
  if (cluster.scaling?.autoscaling?.length)
    documents["monitoring/prometheus-adapter-rules.yaml"] = adapterConfig();
  if (cluster.monitoring?.enabled !== false)
    documents["monitoring/alertmanager-routing.example.yaml"] = alertmanagerExample(ctx);
  return { ctx, objects, documents, warnings };
}
