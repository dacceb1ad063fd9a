import { KilnError } from "@kiln/schemas";
import { type ConfigDiffEntry, type DesiredConnector, type DesiredState, diffConfig } from "./desired.js";
import type { ConnectorState, TaskStatus } from "./types.js";

/** A connector as it is on the cluster. */
export interface LiveConnector {
  name: string;
  config: Record<string, string>;
  /** The connector's state, undefined while Connect has not assigned it yet. */
  state: ConnectorState | undefined;
  workerId?: string;
  trace?: string;
  tasks: TaskStatus[];
}

export type OwnershipMode = "ignore" | "adopt" | "prune";

export interface Ownership {
  mode: OwnershipMode;
  /** Names or globs (`*`) never deleted. */
  protect: string[];
}

export type ChangeKind = "create" | "update" | "state" | "delete" | "noop" | "unmanaged";

export interface Change {
  kind: ChangeKind;
  cluster: string;
  name: string;
  /** For create/update/state: the desired connector. */
  desired?: DesiredConnector;
  /** For update: changed keys (before = live, after = desired). */
  diff?: ConfigDiffEntry[];
  /** For state (and create/update that also move state): live → desired. */
  fromState?: ConnectorState | undefined;
  toState?: DesiredState;
  /** For unmanaged: what ownership decided (ignored, adopt, protected). */
  note?: string;
}

export interface Plan {
  cluster: string;
  changes: Change[];
}

const TARGET: Record<DesiredState, ConnectorState> = {
  running: "RUNNING",
  paused: "PAUSED",
  stopped: "STOPPED",
};

/** The Connect state a desired state means. */
export function targetState(s: DesiredState): ConnectorState {
  return TARGET[s];
}

/**
 * Whether the live state needs a transition to reach `desired`. FAILED, UNASSIGNED and
 * RESTARTING connectors meant to run are a matter for `restart`, not for a state change.
 */
export function needsStateChange(live: ConnectorState | undefined, desired: DesiredState): boolean {
  if (live === undefined) return false;
  if (desired === "running") return live === "PAUSED" || live === "STOPPED";
  return live !== TARGET[desired];
}

export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map(escapeRe).join(".*")}$`);
  return re.test(name);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Desired vs live for one Connect cluster → labelled changes, sorted by name. Pure: no I/O.
 * A config that differs in any key is one `update` (PUT restarts the connector); a
 * config that matches is never rewritten. Undeclared live connectors follow `ownership`.
 */
export function planCluster(
  cluster: string,
  desired: DesiredConnector[],
  live: ReadonlyMap<string, LiveConnector>,
  ownership: Ownership = { mode: "ignore", protect: [] },
): Plan {
  const changes: Change[] = [];
  const declared = new Set<string>();
  for (const d of desired) {
    if (d.cluster !== cluster) continue;
    if (declared.has(d.name))
      throw new KilnError(`connector ${d.name} is declared twice for cluster ${cluster}`, {
        location: d.location,
      });
    declared.add(d.name);
    const l = live.get(d.name);
    if (!l) {
      changes.push({ kind: "create", cluster, name: d.name, desired: d, toState: d.state });
      continue;
    }
    const diff = diffConfig(d.config, l.config);
    const move = needsStateChange(l.state, d.state);
    if (diff.length > 0) {
      changes.push({
        kind: "update",
        cluster,
        name: d.name,
        desired: d,
        diff,
        ...(move ? { fromState: l.state, toState: d.state } : {}),
      });
    } else if (move) {
      changes.push({
        kind: "state",
        cluster,
        name: d.name,
        desired: d,
        fromState: l.state,
        toState: d.state,
      });
    } else {
      changes.push({ kind: "noop", cluster, name: d.name, desired: d });
    }
  }
  for (const l of live.values()) {
    if (declared.has(l.name)) continue;
    const protectedBy = ownership.protect.find((p) => globMatch(p, l.name));
    if (ownership.mode === "prune" && !protectedBy) {
      changes.push({ kind: "delete", cluster, name: l.name, fromState: l.state });
    } else {
      const note = protectedBy
        ? `protected (${protectedBy})`
        : ownership.mode === "adopt"
          ? "not declared: adopt it into a connector file"
          : "not declared: ignored";
      changes.push({ kind: "unmanaged", cluster, name: l.name, fromState: l.state, note });
    }
  }
  changes.sort((a, b) => a.name.localeCompare(b.name));
  return { cluster, changes };
}

/** Changes that write to Connect. */
export function pendingChanges(plan: Plan): Change[] {
  return plan.changes.filter((c) => c.kind !== "noop" && c.kind !== "unmanaged");
}

/** Drift for scheduled CI: pending changes plus, under `adopt`, connectors nobody declared. */
export function driftOf(plan: Plan, ownership: Ownership): Change[] {
  return plan.changes.filter(
    (c) =>
      (c.kind !== "noop" && c.kind !== "unmanaged") ||
      (c.kind === "unmanaged" && ownership.mode === "adopt" && !c.note?.startsWith("protected")),
  );
}

/** Live connectors from `GET /connectors?expand=status&expand=info`. */
export function liveFromExpanded(
  expanded: Record<
    string,
    {
      info?: { config: Record<string, string> };
      status?: {
        connector: { state: ConnectorState; worker_id: string; trace?: string };
        tasks: TaskStatus[];
      };
    }
  >,
): Map<string, LiveConnector> {
  const out = new Map<string, LiveConnector>();
  for (const [name, e] of Object.entries(expanded)) {
    out.set(name, {
      name,
      config: e.info?.config ?? {},
      state: e.status?.connector.state,
      ...(e.status?.connector.worker_id ? { workerId: e.status.connector.worker_id } : {}),
      ...(e.status?.connector.trace ? { trace: e.status.connector.trace } : {}),
      tasks: e.status?.tasks ?? [],
    });
  }
  return out;
}
