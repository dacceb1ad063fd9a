import type { KubeClient } from "./client.js";
import { diffObject, type ObjectDiff } from "./diff.js";
import { ApplyError, KubeApiError, RolloutWaitError } from "./errors.js";
import { describe, type KubeObject, orderForApply } from "./objects.js";
import {
  applyFailure,
  applyObject,
  type Plan,
  type PlannedObject,
  type PlanOptions,
  plan,
  type Shrink,
} from "./plan.js";
import { hasReadiness, type Readiness, readinessOf } from "./readiness.js";

export interface RolloutOptions extends PlanOptions {
  /** Server-side dry run: check and report, store nothing. */
  dryRun?: boolean;
  /** Wait for Strimzi resources to report Ready (default true). */
  wait?: boolean;
  /** Per-resource readiness timeout. */
  timeoutMs?: number;
}

export interface RolloutResult {
  dryRun: boolean;
  applied: Array<{ object: string; action: "created" | "configured" | "unchanged" }>;
  /** Deleted (or, in a dry run, would be). */
  pruned: string[];
  /** Objects of the inventory no longer rendered, left alone without --prune. */
  prunable: string[];
  ready: string[];
  warnings: string[];
}

const PAST = { create: "created", update: "configured", unchanged: "unchanged" } as const;

/**
 * Rolls rendered objects out: preflight and a dry run of everything (see
 * plan), then namespaces, server-side apply in dependency order, prune, wait
 * for readiness, and last the gated risky changes (broker scale-downs).
 */
export async function rollout(
  client: KubeClient,
  objects: KubeObject[],
  opts: RolloutOptions,
): Promise<RolloutResult> {
  const emit = opts.onEvent ?? (() => {});
  const p = await plan(client, objects, opts);
  const result: RolloutResult = {
    dryRun: Boolean(opts.dryRun),
    applied: [],
    pruned: [],
    prunable: opts.prune ? [] : p.prune.map((x) => describe(x.live)),
    ready: [],
    warnings: p.warnings,
  };
  for (const o of result.prunable)
    emit({ phase: "prune", object: o, message: `${o} is no longer rendered; pass --prune to delete it` });

  if (opts.dryRun) {
    for (const o of p.objects) {
      result.applied.push({ object: describe(o.desired), action: PAST[o.action] });
      emit({
        phase: "apply",
        object: describe(o.desired),
        message: `${describe(o.desired)} ${PAST[o.action]} (server dry run)`,
      });
    }
    for (const x of p.namespacesToCreate)
      emit({ phase: "apply", message: `namespace ${x} created (dry run)` });
    if (opts.prune) await pruneAll(client, p.prune, emit, result, true);
    return result;
  }

  const done: string[] = [];
  const progress = (all: PlannedObject[]) => {
    const rest = all.map((o) => describe(o.desired)).filter((d) => !done.includes(d));
    return `${done.length ? `applied: ${done.join(", ")}` : "nothing was applied"}${rest.length ? `; not applied: ${rest.join(", ")}` : ""}`;
  };

  for (const ns of p.namespacesToCreate) {
    await client.request("POST", "/api/v1/namespaces", {
      query: { fieldManager: "kiln" },
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      allow: [409],
    });
    emit({ phase: "apply", message: `namespace ${ns} created` });
  }
  // Objects in namespaces that did not exist could not be dry-run before: do it now, before any is applied.
  const unchecked = p.objects.filter((o) => o.dryRun === undefined);
  const failures: string[] = [];
  for (const o of unchecked) {
    try {
      o.dryRun = (
        await applyObject(client, o.path, o.desired, { dryRun: true, force: opts.forceConflicts })
      ).body;
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      failures.push(applyFailure(o.desired, err));
    }
  }
  if (failures.length > 0)
    throw new ApplyError(
      `the server-side dry run failed, so nothing was applied (namespace ${p.namespacesToCreate.join(", ")} was created and left in place):\n${failures.map((f) => `  - ${f}`).join("\n")}`,
    );

  const now = p.objects.filter((o) => !o.gated);
  const later = p.objects.filter((o) => o.gated);
  await applyAll(client, now, opts, emit, result, done, () => progress(p.objects));

  if (opts.prune)
    await pruneAll(
      client,
      p.prune.filter((x) => !x.gated),
      emit,
      result,
    );

  if (opts.wait !== false)
    await waitAll(
      client,
      now.map((o) => o.desired),
      opts,
      emit,
      result,
    );

  if (later.length > 0 || p.prune.some((x) => x.gated)) {
    emit({ phase: "apply", message: "applying the held-back scale-downs now that everything else is ready" });
    await applyAll(client, later, opts, emit, result, done, () => progress(p.objects));
    if (opts.prune)
      await pruneAll(
        client,
        p.prune.filter((x) => x.gated),
        emit,
        result,
      );
    if (opts.wait !== false) {
      const kafkas = now.map((o) => o.desired).filter((o) => o.kind === "Kafka");
      await waitAll(client, kafkas, opts, emit, result);
      for (const o of later)
        if (o.shrink?.gate.auto) await waitBrokersLeft(client, o.shrink, opts.timeoutMs ?? 10 * 60_000, emit);
    }
  }
  return result;
}

/**
 * Until Strimzi has removed the brokers a pool shrink lets go: it first runs the remove-brokers
 * rebalance (reported on the Kafka's `status.autoRebalance`), then removes them from the pool.
 */
export async function waitBrokersLeft(
  client: KubeClient,
  shrink: Shrink,
  timeoutMs: number,
  emit: NonNullable<RolloutOptions["onEvent"]>,
  intervalMs = 2000,
): Promise<void> {
  const { pool: target, gate } = shrink;
  const name = target.name;
  const want = target.replicas;
  const leaving = gate.brokers ?? [];
  const kafkaPath = target.cluster
    ? await client.pathFor(target.apiVersion, "Kafka", target.namespace, target.cluster)
    : undefined;
  const deadline = Date.now() + timeoutMs;
  let seen = "";
  let last = "";
  for (;;) {
    const pool = (await client.request<KubeObject>("GET", target.path, { allow: [404] })).body;
    const ids = Array.isArray(pool?.status?.nodeIds) ? (pool.status.nodeIds as number[]) : undefined;
    const replicas = Number(pool?.status?.replicas ?? Number.NaN);
    if (ids ? !leaving.some((id) => ids.includes(id)) && ids.length <= want : replicas <= want) {
      emit({
        phase: "wait",
        object: name,
        message: `${name}: brokers ${leaving.join(", ") || "removed"} left`,
      });
      return;
    }
    const kafka = kafkaPath
      ? (await client.request<KubeObject>("GET", kafkaPath, { allow: [404] })).body
      : undefined;
    const auto = kafka?.status?.autoRebalance as
      | { state?: string; modes?: { mode: string; brokers?: number[] }[] }
      | undefined;
    last = `auto-rebalance ${auto?.state ?? "not reported"}${auto?.modes?.length ? ` (${auto.modes.map((m) => `${m.mode} [${(m.brokers ?? []).join(", ")}]`).join("; ")})` : ""}; pool nodes ${ids ? ids.join(", ") : "not reported"}`;
    if (last !== seen) emit({ phase: "wait", object: name, message: `${name}: ${last}` });
    seen = last;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new RolloutWaitError(
    [{ object: name, condition: "brokers still in the pool", message: last }],
    `${name}: brokers ${leaving.join(", ")} did not leave within ${Math.round(timeoutMs / 1000)}s (the shrink was applied; Strimzi removes them after their remove-brokers rebalance)`,
  );
}

async function applyAll(
  client: KubeClient,
  objects: PlannedObject[],
  opts: RolloutOptions,
  emit: NonNullable<RolloutOptions["onEvent"]>,
  result: RolloutResult,
  done: string[],
  progress: () => string,
): Promise<void> {
  for (const o of objects) {
    const name = describe(o.desired);
    let stored: KubeObject;
    try {
      stored = (await applyObject(client, o.path, o.desired, { force: opts.forceConflicts })).body;
    } catch (err) {
      throw new ApplyError(`apply failed at ${applyFailure(o.desired, err)} — ${progress()}`, { cause: err });
    }
    const action = !o.live
      ? "created"
      : stored.metadata.resourceVersion === o.live.metadata.resourceVersion
        ? "unchanged"
        : "configured";
    done.push(name);
    result.applied.push({ object: name, action });
    emit({ phase: "apply", object: name, message: `${name} ${action}` });
  }
}

async function pruneAll(
  client: KubeClient,
  items: Plan["prune"],
  emit: NonNullable<RolloutOptions["onEvent"]>,
  result: RolloutResult,
  dryRun = false,
): Promise<void> {
  // Reverse dependency order: monitoring and Connect before Kafka, users and config maps last.
  const ordered = orderForApply(items.map((x) => ({ ...x, kind: x.live.kind }))).reverse();
  for (const x of ordered) {
    const name = describe(x.live);
    try {
      await client.request("DELETE", x.path, {
        ...(dryRun ? { query: { dryRun: "All" } } : {}),
        // Only the exact object that was listed (and labelled) is deleted.
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          preconditions: { uid: x.live.metadata.uid },
          propagationPolicy: "Background",
        },
        allow: [404],
      });
    } catch (err) {
      throw new ApplyError(
        `prune failed at ${name}: ${(err as KubeApiError).userMessage ?? String(err)} — ${dryRun ? "dry run, nothing was stored" : "everything was applied"}; pruned so far: ${result.pruned.join(", ") || "nothing"}`,
        { cause: err },
      );
    }
    result.pruned.push(name);
    emit({ phase: "prune", object: name, message: `${name} deleted${dryRun ? " (server dry run)" : ""}` });
  }
}

interface WaitOutcome {
  object: KubeObject;
  ok: boolean;
  last: Readiness | undefined;
  deleted?: boolean;
}

async function waitAll(
  client: KubeClient,
  objects: KubeObject[],
  opts: RolloutOptions,
  emit: NonNullable<RolloutOptions["onEvent"]>,
  result: RolloutResult,
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const waited = objects.filter(hasReadiness);
  const outcomes = await Promise.all(waited.map((o) => waitReady(client, o, timeoutMs, emit)));
  for (const o of outcomes) if (o.ok) result.ready.push(describe(o.object));
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return;
  throw new RolloutWaitError(
    failed.map((f) => {
      const object = describe(f.object);
      if (f.deleted) return { object, condition: "deleted while waiting" };
      const last = f.last;
      if (last?.state === "not-ready")
        return {
          object,
          condition: `${last.condition.type}=${last.condition.status}`,
          ...(last.condition.reason ? { reason: last.condition.reason } : {}),
          ...(last.condition.message ? { message: last.condition.message } : {}),
        };
      return {
        object,
        condition: "not ready",
        message: `${last?.state === "pending" ? last.detail : "no status"} — is the Strimzi cluster operator running and watching namespace ${f.object.metadata.namespace}?`,
      };
    }),
    `${failed.length} of ${waited.length} resources did not become ready within ${Math.round(timeoutMs / 1000)}s (everything was applied; ready: ${result.ready.join(", ") || "none"})`,
  );
}

function readinessText(r: Readiness): string {
  if (r.state === "ready") return "Ready";
  if (r.state === "pending") return `waiting: ${r.detail}`;
  return `${r.condition.type}${r.condition.reason ? ` (${r.condition.reason})` : ""}${r.condition.message ? `: ${r.condition.message}` : ""}`;
}

/** Watches one resource until it is Ready, deleted, or `timeoutMs` passes. */
export async function waitReady(
  client: KubeClient,
  o: KubeObject,
  timeoutMs: number,
  emit: NonNullable<RolloutOptions["onEvent"]>,
): Promise<WaitOutcome> {
  const name = describe(o);
  const collection = await client.pathFor(o.apiVersion, o.kind, o.metadata.namespace);
  const ac = new AbortController();
  const deadline = Date.now() + timeoutMs;
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let last: Readiness | undefined;
  let lastText = "";
  const see = (obj: KubeObject): boolean => {
    last = readinessOf(obj);
    const text = readinessText(last);
    if (text !== lastText) emit({ phase: "wait", object: name, message: `${name}: ${text}` });
    lastText = text;
    for (const w of last.warnings)
      emit({
        phase: "warning",
        object: name,
        message: `${name}: ${w.reason ?? "Warning"}: ${w.message ?? ""}`,
      });
    return last.state === "ready";
  };
  try {
    while (!ac.signal.aborted) {
      const cur = await client.request<KubeObject>(
        "GET",
        `${collection}/${encodeURIComponent(o.metadata.name)}`,
        {
          allow: [404],
          signal: ac.signal,
        },
      );
      if (cur.status === 404) return { object: o, ok: false, last, deleted: true };
      if (see(cur.body)) return { object: o, ok: true, last };
      const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      for await (const ev of client.watch(
        collection,
        {
          fieldSelector: `metadata.name=${o.metadata.name}`,
          resourceVersion: cur.body.metadata.resourceVersion,
          timeoutSeconds: remaining,
        },
        ac.signal,
      )) {
        if (ev.type === "ERROR") break; // e.g. 410 Gone: read again and re-watch
        if (ev.type === "DELETED") return { object: o, ok: false, last, deleted: true };
        if (ev.type === "BOOKMARK") continue;
        if (see(ev.object)) return { object: o, ok: true, last };
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { object: o, ok: false, last };
}

/** `kiln diff`: live versus what the API server would store, per object, plus what --prune would delete. */
export async function diff(
  client: KubeClient,
  objects: KubeObject[],
  opts: PlanOptions,
): Promise<{ diffs: ObjectDiff[]; warnings: string[] }> {
  const p = await plan(client, objects, { ...opts, lenient: true });
  const diffs = p.objects.map((o) => diffObject(o.live, o.dryRun ?? o.desired));
  for (const x of p.prune) diffs.push(diffObject(x.live, undefined));
  return { diffs, warnings: [...p.warnings, ...p.problems] };
}
