import type { KubeClient } from "./client.js";
import { KubeApiError, PreflightError } from "./errors.js";
import {
  describe,
  FIELD_MANAGER,
  groupOf,
  INVENTORY_LABEL,
  type KubeObject,
  MONITORING_GROUP,
  normalizeForDiff,
  objectKey,
  operatorProvidedSecrets,
  orderForApply,
  referencedSecrets,
  type SecretRef,
  STRIMZI_GROUP,
  withInventory,
} from "./objects.js";
import { hasReadiness } from "./readiness.js";
import { isPool, type RiskyChange, riskyChanges } from "./risk.js";
import { CLUSTER_LABEL, type ScaleDownGate, scaleDownGate } from "./scale-down.js";

export interface PlanOptions {
  /** The cluster definition these objects belong to (the inventory label's value). */
  inventory: string;
  /** Where the cluster definition lives, recorded in an annotation. */
  source?: string;
  /** Namespace for namespaced objects that name none. */
  namespace: string;
  prune?: boolean;
  forceConflicts?: boolean;
  /** Shrink broker pools though no remove-brokers rebalance is known to have moved their partitions. */
  allowScaleDown?: boolean;
  /** diff: report problems instead of failing on them. */
  lenient?: boolean;
  onEvent?: (e: RolloutEvent) => void;
}

export interface RolloutEvent {
  phase: "preflight" | "apply" | "prune" | "wait" | "warning";
  object?: string;
  message: string;
}

export interface PlannedObject {
  desired: KubeObject;
  /** The live object (Secrets: metadata only), undefined when absent. */
  live: KubeObject | undefined;
  /** What the API server would store (server-side dry run), when it could run. */
  dryRun: KubeObject | undefined;
  action: "create" | "update" | "unchanged";
  /** REST path of the object. */
  path: string;
  /** A broker scale-down: held back until everything else is ready, and done only through its gate. */
  gated: boolean;
  /** A broker pool this change shrinks (itself, or the pool an autoscaler's lower maximum shrinks). */
  shrink?: Shrink;
}

export interface Shrink {
  /** Why the pool may shrink now (or what must happen first). */
  gate: ScaleDownGate;
  /** The pool: its REST path, the replicas it shrinks to, its cluster. */
  pool: {
    name: string;
    path: string;
    replicas: number;
    cluster: string | undefined;
    apiVersion: string;
    namespace?: string;
  };
}

export interface Plan {
  objects: PlannedObject[];
  /** Objects of this inventory that are no longer rendered. */
  prune: Array<{ live: KubeObject; path: string; gated: boolean; shrink?: Shrink }>;
  namespacesToCreate: string[];
  risks: RiskyChange[];
  warnings: string[];
  problems: string[];
}

/** Kinds scanned for inventory objects no longer rendered (when the API server serves them). */
export const PRUNE_KINDS: Array<[string, string]> = [
  ["v1", "ConfigMap"],
  ["v1", "Secret"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
  ...[
    "KafkaUser",
    "Kafka",
    "KafkaNodePool",
    "KafkaTopic",
    "KafkaConnect",
    "KafkaConnector",
    "KafkaMirrorMaker2",
    "KafkaBridge",
    "KafkaRebalance",
  ].map((k): [string, string] => [`${STRIMZI_GROUP}/v1`, k]),
  ...["PodMonitor", "ServiceMonitor", "PrometheusRule"].map((k): [string, string] => [
    `${MONITORING_GROUP}/v1`,
    k,
  ]),
];

const METADATA_ONLY = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

const CRD_HINT: Record<string, string> = {
  [STRIMZI_GROUP]: "install the Strimzi CRDs (Strimzi 1.x serves kafka.strimzi.io/v1)",
  [MONITORING_GROUP]:
    "install the prometheus-operator CRDs, or turn monitoring off in the cluster definition",
};

/** Checks that every apiVersion/kind is served; returns problems (missing CRDs, wrong CRD versions). */
async function checkApis(client: KubeClient, objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  const byVersion = new Map<string, Set<string>>();
  for (const o of objects) {
    const kinds = byVersion.get(o.apiVersion) ?? new Set();
    kinds.add(o.kind);
    byVersion.set(o.apiVersion, kinds);
  }
  for (const [apiVersion, kinds] of byVersion) {
    const group = groupOf(apiVersion);
    const resources = await client.resources(apiVersion);
    if (!resources) {
      const served = group ? await client.groupVersions(group) : [];
      const what = [...kinds].join(", ");
      const hint = CRD_HINT[group] ?? "install the CRDs that define them";
      const version = apiVersion.split("/").at(-1) as string;
      problems.push(
        served.length === 0
          ? `${what} (${apiVersion}): the API group ${group || "core"} is not served by this cluster — its CRDs are not installed; ${hint}`
          : served.includes(version)
            ? `${what} (${apiVersion}): the API server lists ${apiVersion} but does not serve it yet (CRDs still being established?); try again`
            : `${what} (${apiVersion}): the installed CRDs serve ${served.map((v) => `${group}/${v}`).join(", ")}, not ${apiVersion}; ${hint}`,
      );
      continue;
    }
    for (const kind of kinds)
      if (!resources.some((r) => r.kind === kind))
        problems.push(`${kind}: ${apiVersion} is served but has no kind ${kind}; its CRD is not installed`);
  }
  return problems;
}

function conflictsOf(err: KubeApiError): Array<{ field: string; manager: string }> {
  return err.causes
    .filter((c) => c.reason === "FieldManagerConflict")
    .map((c) => ({
      field: c.field ?? "?",
      manager: /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1] ?? c.message ?? "another manager",
    }));
}

/** Messages of an apply failure: field conflicts name the owning manager. */
export function applyFailure(o: KubeObject, err: unknown): string {
  if (err instanceof KubeApiError && err.status === 409) {
    const conflicts = conflictsOf(err);
    if (conflicts.length > 0)
      return `${describe(o)}: field conflict — ${conflicts
        .map((c) => `${c.field} is owned by field manager "${c.manager}"`)
        .join("; ")} (change it where "${conflicts[0]?.manager}" sets it, or pass --force-conflicts)`;
  }
  if (err instanceof KubeApiError)
    return `${describe(o)}: ${err.userMessage.replace(/^PATCH \S+: /, "")}${err.causes.length ? ` [${err.causes.map((c) => `${c.field ?? ""} ${c.message ?? ""}`.trim()).join("; ")}]` : ""}`;
  return `${describe(o)}: ${(err as Error).message}`;
}

/** Server-side apply of one object (`dryRun` stores nothing). */
export async function applyObject(
  client: KubeClient,
  path: string,
  o: KubeObject,
  opts: { dryRun?: boolean; force?: boolean },
): Promise<{ status: number; body: KubeObject }> {
  return client.request<KubeObject>("PATCH", path, {
    query: {
      fieldManager: FIELD_MANAGER,
      force: opts.force ? true : undefined,
      dryRun: opts.dryRun ? "All" : undefined,
      fieldValidation: "Strict",
    },
    body: o,
    contentType: "application/apply-patch+yaml",
  });
}

interface Access {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  why: string;
}

async function checkAccess(client: KubeClient, needs: Access[]): Promise<string[]> {
  const seen = new Set<string>();
  const unique = needs.filter((n) => {
    const k = `${n.verb} ${n.group} ${n.resource} ${n.namespace ?? ""}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const who = await client
    .request<{ status?: { userInfo?: { username?: string } } }>(
      "POST",
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }, allow: [403, 404] },
    )
    .then((r) => r.body?.status?.userInfo?.username)
    .catch(() => undefined);
  const denied = await Promise.all(
    unique.map(async (n) => {
      const r = await client.request<{ status?: { allowed?: boolean } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        {
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            spec: {
              resourceAttributes: {
                verb: n.verb,
                group: n.group,
                resource: n.resource,
                ...(n.namespace ? { namespace: n.namespace } : {}),
              },
            },
          },
        },
      );
      return r.body.status?.allowed ? undefined : n;
    }),
  );
  return denied
    .filter((n): n is Access => n !== undefined)
    .map(
      (n) =>
        `${who ? `user "${who}"` : "the current user"} may not ${n.verb} ${n.resource}${n.group ? `.${n.group}` : ""}${n.namespace ? ` in namespace ${n.namespace}` : " (cluster-wide)"} (needed to ${n.why})`,
    );
}

/**
 * Everything a rollout needs to know before it writes: the APIs are served,
 * namespaces, referenced Secrets (by name), permissions, live objects, a
 * server-side dry run of every object, what would be pruned, and risky
 * changes. Writes nothing; throws PreflightError listing every problem found.
 */
export async function plan(client: KubeClient, input: KubeObject[], opts: PlanOptions): Promise<Plan> {
  return new Planner(client, opts).plan(input);
}

/** The namespaces the objects live in, which of them are missing, and which of those kiln creates. */
interface Namespaces {
  all: string[];
  missing: string[];
  toCreate: string[];
}

/**
 * One preflight, step by step: each step reads the API server (never writes) and adds to the
 * warnings and problems the plan reports. Steps whose failure makes the rest meaningless
 * (unserved APIs, missing permissions) throw at once.
 */
class Planner {
  private readonly warnings: string[] = [];
  private readonly problems: string[] = [];
  private readonly emit: (e: RolloutEvent) => void;
  /** The objects with their namespaces filled in (autoscaled pools keep their live size). */
  private objects: KubeObject[] = [];
  /** Live KafkaRebalances by `<namespace>/<cluster>`, read once each. */
  private readonly rebalances = new Map<string, KubeObject[]>();

  constructor(
    private readonly client: KubeClient,
    private readonly opts: PlanOptions,
  ) {
    this.emit = opts.onEvent ?? (() => {});
  }

  async plan(input: KubeObject[]): Promise<Plan> {
    this.checkDuplicates(input);
    const labelled = orderForApply(withInventory(input, this.opts.inventory, this.opts.source));
    await this.checkServed(labelled);
    const paths = await this.placeInNamespaces(labelled);
    const namespaces = await this.checkNamespaces();
    const refs = this.secretRefs();
    const pruneKinds = pruneKindsOf(this.objects);
    await this.checkPermissions(namespaces, refs, pruneKinds);
    await this.checkSecrets(refs, namespaces.missing);
    const prune = await this.pruneCandidates(pruneKinds, namespaces);
    const { planned, risks } = await this.planObjects(paths, namespaces.missing);
    if (this.opts.prune) risks.push(...(await this.gatePrune(prune)));
    this.reportGates(risks, [...planned, ...prune]);
    for (const w of this.warnings) this.emit({ phase: "warning", message: w });
    if (this.problems.length > 0 && !this.opts.lenient) throw new PreflightError(this.problems);
    const { warnings, problems } = this;
    return { objects: planned, prune, namespacesToCreate: namespaces.toCreate, risks, warnings, problems };
  }

  /** Identity: each object given once. */
  private checkDuplicates(input: KubeObject[]) {
    const seen = new Map<string, KubeObject>();
    for (const o of input) {
      if (seen.has(objectKey(o))) this.problems.push(`${describe(o)} is given twice`);
      seen.set(objectKey(o), o);
    }
  }

  /** Every apiVersion/kind is served; nothing else can be checked otherwise. */
  private async checkServed(labelled: KubeObject[]) {
    const { client } = this;
    this.emit({
      phase: "preflight",
      message: `checking the API server (${client.where.server}, context ${client.where.context})`,
    });
    client.resetDiscovery();
    const apiProblems = await checkApis(client, labelled);
    if (apiProblems.length > 0) throw new PreflightError([...this.problems, ...apiProblems]);
  }

  /** Namespaced objects that name no namespace get the default one; returns each object's REST path. */
  private async placeInNamespaces(labelled: KubeObject[]): Promise<string[]> {
    const paths: string[] = [];
    for (const o of labelled) {
      const res = await this.client.resourceFor(o.apiVersion, o.kind);
      const copy: KubeObject = res?.namespaced
        ? { ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? this.opts.namespace } }
        : o;
      this.objects.push(copy);
      paths.push(
        await this.client.pathFor(copy.apiVersion, copy.kind, copy.metadata.namespace, copy.metadata.name),
      );
    }
    return paths;
  }

  /** Which namespaces exist; missing ones are created unless an object of the input is that Namespace. */
  private async checkNamespaces(): Promise<Namespaces> {
    const { objects } = this;
    const all = [...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
    const renderedNamespaces = new Set(
      objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name),
    );
    const missing: string[] = [];
    for (const ns of all) {
      const r = await this.client.request("GET", `/api/v1/namespaces/${encodeURIComponent(ns)}`, {
        allow: [403, 404],
        accept: METADATA_ONLY,
      });
      if (r.status === 404) missing.push(ns);
      if (r.status === 403)
        this.warnings.push(
          `cannot check whether namespace ${ns} exists (no permission to get namespaces); assuming it does`,
        );
    }
    const toCreate = missing.filter((ns) => !renderedNamespaces.has(ns));
    for (const ns of missing)
      this.emit({ phase: "preflight", message: `namespace ${ns} does not exist; it will be created` });
    return { all, missing, toCreate };
  }

  /** Secrets the objects reference that neither the input nor the operator provides. */
  private secretRefs(): SecretRef[] {
    const { objects, opts } = this;
    const provided = operatorProvidedSecrets(objects, opts.namespace);
    const renderedSecrets = new Set(
      objects.filter((o) => o.kind === "Secret").map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    );
    return objects
      .flatMap((o) => referencedSecrets(o, o.metadata.namespace ?? opts.namespace))
      .filter(
        (ref) =>
          !provided.has(`${ref.namespace}/${ref.name}`) &&
          !renderedSecrets.has(`${ref.namespace}/${ref.name}`),
      );
  }

  /** Permissions for every verb the rollout uses. Without them the other checks would only fail the same way: stop here. */
  private async checkPermissions(namespaces: Namespaces, refs: SecretRef[], pruneKinds: PruneKinds) {
    const { client, opts } = this;
    const needs: Access[] = [];
    for (const o of this.objects) {
      const group = groupOf(o.apiVersion);
      const resource = (await client.resourceFor(o.apiVersion, o.kind))?.name ?? o.kind.toLowerCase();
      const ns = o.metadata.namespace;
      for (const verb of ["get", "create", "patch"])
        needs.push({ verb, group, resource, namespace: ns, why: `apply ${describe(o)}` });
      if (hasReadiness(o))
        for (const verb of ["list", "watch"])
          needs.push({ verb, group, resource, namespace: ns, why: `wait for ${describe(o)}` });
    }
    for (const ns of namespaces.toCreate)
      needs.push({ verb: "create", group: "", resource: "namespaces", why: `create namespace ${ns}` });
    for (const key of new Set(refs.map((r) => `${r.namespace}/${r.name}`)))
      needs.push({
        verb: "get",
        group: "",
        resource: "secrets",
        namespace: key.split("/")[0] as string,
        why: `check that Secret ${key} exists`,
      });
    if (opts.prune)
      for (const [apiVersion, kind] of pruneKinds.values()) {
        const res = await client.resourceFor(apiVersion, kind);
        if (!res?.namespaced) continue;
        for (const ns of namespaces.all)
          for (const verb of ["list", "delete"])
            needs.push({
              verb,
              group: groupOf(apiVersion),
              resource: res.name,
              namespace: ns,
              why: `prune ${kind} objects`,
            });
      }
    const denied = await checkAccess(client, needs);
    if (denied.length > 0) throw new PreflightError([...this.problems, ...denied]);
  }

  /** Referenced Secrets exist, by name only (metadata requests never carry values). */
  private async checkSecrets(refs: SecretRef[], missingNamespaces: string[]) {
    const checked = new Map<string, boolean>();
    for (const ref of refs) {
      const key = `${ref.namespace}/${ref.name}`;
      if (!checked.has(key)) {
        const exists = missingNamespaces.includes(ref.namespace)
          ? false
          : (
              await this.client.request(
                "GET",
                `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`,
                {
                  allow: [404],
                  accept: METADATA_ONLY,
                },
              )
            ).status === 200;
        checked.set(key, exists);
      }
      if (!checked.get(key))
        this.problems.push(`${ref.from} references Secret ${key} (${ref.path}), which does not exist`);
    }
  }

  /** Prune candidates: inventory objects no longer rendered (only ever selected by the label). */
  private async pruneCandidates(pruneKinds: PruneKinds, namespaces: Namespaces): Promise<Plan["prune"]> {
    const { client, opts } = this;
    const rendered = new Set(this.objects.map(objectKey));
    const prune: Plan["prune"] = [];
    for (const [apiVersion, kind] of pruneKinds.values()) {
      const res = await client.resourceFor(apiVersion, kind);
      if (!res?.namespaced) continue;
      for (const ns of namespaces.all) {
        if (namespaces.missing.includes(ns)) continue;
        const collection = await client.pathFor(apiVersion, kind, ns);
        let items: KubeObject[];
        try {
          const r = await client.request<{ items: KubeObject[] }>("GET", collection, {
            query: { labelSelector: `${INVENTORY_LABEL}=${opts.inventory}` },
            ...(kind === "Secret" ? { accept: METADATA_LIST } : {}),
          });
          items = r.body.items ?? [];
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 403 && !opts.prune) {
            this.warnings.push(
              `cannot list ${res.name} in namespace ${ns}, so objects to prune there are not known`,
            );
            continue;
          }
          if (err instanceof KubeApiError && err.status === 403) continue; // reported by the access check
          throw err;
        }
        for (const item of items) {
          const live: KubeObject = { ...item, apiVersion, kind };
          // Defence in depth: the selector did this, but nothing without our label is ever deleted.
          if (live.metadata.labels?.[INVENTORY_LABEL] !== opts.inventory) continue;
          if (rendered.has(objectKey(live))) continue;
          prune.push({ live, path: `${collection}/${encodeURIComponent(live.metadata.name)}`, gated: false });
        }
      }
    }
    return prune;
  }

  /** Live objects and a server-side dry run of each (nothing is stored). */
  private async planObjects(
    paths: string[],
    missingNamespaces: string[],
  ): Promise<{ planned: PlannedObject[]; risks: RiskyChange[] }> {
    const autoscaled = autoscaledPools(this.objects);
    const livePools = new Map<string, { live: KubeObject; path: string }>();
    const planned: PlannedObject[] = [];
    const risks: RiskyChange[] = [];
    for (const [i, given] of this.objects.entries()) {
      const path = paths[i] as string;
      const inMissingNs =
        given.metadata.namespace !== undefined && missingNamespaces.includes(given.metadata.namespace);
      const live = inMissingNs ? undefined : await this.liveObject(given, path);
      const hpa = autoscaled.get(objectKey(given));
      const o = hpa && live ? this.keepAutoscaledSize(given, live, hpa) : given;
      this.objects[i] = o;
      if (live && isPool(live)) livePools.set(objectKey(live), { live, path });
      const dryRun = await this.dryRun(o, path, inMissingNs);
      const action: PlannedObject["action"] = !live
        ? "create"
        : dryRun && sameObject(live, dryRun)
          ? "unchanged"
          : "update";
      this.checkOwner(o, live);
      const objRisks = riskyChanges(live, o);
      risks.push(...objRisks.filter((r) => !r.gated));
      let shrink = objRisks.some((r) => r.gated) && live ? await this.gate(live, o, path) : undefined;
      // A lower maximum makes the autoscaler shrink the pool as soon as it is applied.
      const target = autoscaledPool(o);
      const pool = target ? livePools.get(target) : undefined;
      if (pool && Number(pool.live.spec?.replicas ?? 0) > Number(o.spec?.maxReplicas)) {
        const to = { ...pool.live, spec: { ...pool.live.spec, replicas: Number(o.spec?.maxReplicas) } };
        shrink = await this.gate(pool.live, to, pool.path);
      }
      planned.push({
        desired: o,
        live,
        dryRun,
        action,
        path,
        gated: shrink !== undefined,
        ...(shrink ? { shrink } : {}),
      });
    }
    return { planned, risks };
  }

  /** The live object (Secrets: metadata only), undefined when absent. */
  private async liveObject(o: KubeObject, path: string): Promise<KubeObject | undefined> {
    const r = await this.client.request<KubeObject>("GET", path, {
      allow: [404],
      ...(o.kind === "Secret" ? { accept: METADATA_ONLY } : {}),
    });
    return r.status === 404 ? undefined : { ...r.body, apiVersion: o.apiVersion, kind: o.kind };
  }

  /**
   * The autoscaler owns the size (and moves it into a changed range itself): kiln keeps the
   * live one, so applying never fights the autoscaler over spec.replicas.
   */
  private keepAutoscaledSize(o: KubeObject, live: KubeObject, hpa: string): KubeObject {
    const current = Number(live.spec?.replicas ?? 0);
    if (current !== Number(o.spec?.replicas))
      this.warnings.push(
        `${describe(o)} is autoscaled by ${hpa}: it keeps the ${current} replicas its autoscaler chose (the file says ${o.spec?.replicas})`,
      );
    return { ...o, spec: { ...o.spec, replicas: current } };
  }

  /** What the API server would store; a refusal is a problem, a missing namespace skips it. */
  private async dryRun(o: KubeObject, path: string, inMissingNs: boolean): Promise<KubeObject | undefined> {
    if (inMissingNs) {
      this.warnings.push(
        `${describe(o)}: namespace ${o.metadata.namespace} does not exist yet, so the server-side dry run was skipped`,
      );
      return undefined;
    }
    try {
      return (await applyObject(this.client, path, o, { dryRun: true, force: this.opts.forceConflicts }))
        .body;
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      this.problems.push(applyFailure(o, err));
      return undefined;
    }
  }

  /** An object of another inventory is never taken over. */
  private checkOwner(o: KubeObject, live: KubeObject | undefined) {
    const owner = live?.metadata.labels?.[INVENTORY_LABEL];
    if (owner !== undefined && owner !== this.opts.inventory)
      this.problems.push(
        `${describe(o)} belongs to inventory "${owner}" (label ${INVENTORY_LABEL}); kiln does not move objects between cluster definitions — rename it, or remove the label if the move is intended`,
      );
  }

  /** Broker scale-downs open only through a remove-brokers rebalance (see scale-down.ts). */
  private async gate(live: KubeObject, desired: KubeObject | undefined, path: string): Promise<Shrink> {
    const cluster = live.metadata.labels?.[CLUSTER_LABEL];
    const ns = live.metadata.namespace ?? this.opts.namespace;
    const kafka = this.objects.find(
      (x) => x.kind === "Kafka" && x.metadata.name === cluster && x.metadata.namespace === ns,
    );
    const key = `${ns}/${cluster}`;
    if (!this.rebalances.has(key)) this.rebalances.set(key, await liveRebalances(this.client, ns, cluster));
    return {
      gate: scaleDownGate(live, desired, {
        kafka,
        rebalances: this.rebalances.get(key) ?? [],
        allowScaleDown: Boolean(this.opts.allowScaleDown),
      }),
      pool: {
        name: describe(live),
        path,
        replicas: Number(desired?.spec?.replicas ?? 0),
        cluster,
        apiVersion: live.apiVersion,
        ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}),
      },
    };
  }

  /** Risks of deleting the prune candidates; deleting a broker pool passes its gate. */
  private async gatePrune(prune: Plan["prune"]): Promise<RiskyChange[]> {
    const risks: RiskyChange[] = [];
    for (const p of prune) {
      const r = riskyChanges(p.live, undefined);
      risks.push(...r.filter((x) => !x.gated));
      p.gated = r.some((x) => x.gated);
      if (p.gated) p.shrink = await this.gate(p.live, undefined, p.path);
    }
    return risks;
  }

  /** Risks are warnings; a closed scale-down gate is a problem (a warning in diff). */
  private reportGates(risks: RiskyChange[], changes: Array<{ shrink?: Shrink }>) {
    for (const r of risks) this.warnings.push(r.message);
    for (const { gate: g } of changes.flatMap((x) => (x.shrink ? [x.shrink] : []))) {
      if (g.open || this.opts.lenient) this.warnings.push(g.open ? `${g.message}; applied last` : g.message);
      else this.problems.push(g.message);
    }
  }
}

/** apiVersion/kind pairs by `<group>/<kind>`. */
type PruneKinds = Map<string, [string, string]>;

/** Kinds scanned for objects to prune: the usual ones and every kind rendered now. */
function pruneKindsOf(objects: KubeObject[]): PruneKinds {
  const pruneKinds: PruneKinds = new Map();
  for (const [v, k] of PRUNE_KINDS) pruneKinds.set(`${groupOf(v)}/${k}`, [v, k]);
  for (const o of objects)
    if (o.kind !== "Namespace") pruneKinds.set(`${groupOf(o.apiVersion)}/${o.kind}`, [o.apiVersion, o.kind]);
  return pruneKinds;
}

/** True when applying changed nothing the API server stores (status and server metadata aside). */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(sortKeys(normalizeForDiff(a))) === JSON.stringify(sortKeys(normalizeForDiff(b)));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

/** The object key of the KafkaNodePool an autoscaler targets, if it is one. */
function autoscaledPool(o: KubeObject): string | undefined {
  if (o.kind !== "HorizontalPodAutoscaler") return undefined;
  const ref = o.spec?.scaleTargetRef as { apiVersion?: string; kind?: string; name?: string } | undefined;
  if (ref?.kind !== "KafkaNodePool" || groupOf(ref.apiVersion ?? "") !== STRIMZI_GROUP || !ref.name)
    return undefined;
  return objectKey({
    apiVersion: ref.apiVersion ?? "",
    kind: ref.kind,
    metadata: { name: ref.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
  });
}

/** Rendered KafkaNodePools an autoscaler targets (by object key), with the autoscaler's name. */
function autoscaledPools(objects: KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const key = autoscaledPool(o);
    if (key) out.set(key, describe(o));
  }
  return out;
}

/** The live KafkaRebalances of one cluster (none when the CRD is not installed). */
async function liveRebalances(
  client: KubeClient,
  ns: string,
  cluster: string | undefined,
): Promise<KubeObject[]> {
  const apiVersion = `${STRIMZI_GROUP}/v1`;
  if (!cluster || !(await client.resourceFor(apiVersion, "KafkaRebalance"))) return [];
  const r = await client.request<{ items?: KubeObject[] }>(
    "GET",
    await client.pathFor(apiVersion, "KafkaRebalance", ns),
    {
      query: { labelSelector: `${CLUSTER_LABEL}=${cluster}` },
      allow: [403, 404],
    },
  );
  return r.status === 200
    ? (r.body.items ?? []).map((x) => ({ ...x, apiVersion, kind: "KafkaRebalance" }))
    : [];
}
