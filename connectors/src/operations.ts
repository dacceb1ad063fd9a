import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KilnError } from "@kiln/schemas";
import type { ConnectClient, RetryPolicy } from "./client.js";
import { backoffDelay } from "./client.js";
import { ConnectNotFoundError } from "./errors.js";
import type { ConnectorOffsets, ConnectorState, ConnectorStatus } from "./types.js";

export interface StatusRow {
  name: string;
  type: string;
  state: ConnectorState;
  workerId: string;
  trace?: string;
  tasks: Array<{ id: number; state: ConnectorState; workerId: string; trace?: string }>;
}

/** Every connector on the cluster with its tasks, sorted by name. */
export async function clusterStatus(client: ConnectClient): Promise<StatusRow[]> {
  const expanded = await client.listExpanded();
  return Object.entries(expanded)
    .filter(([, e]) => e.status)
    .map(([name, e]) => rowOf(name, e.status as ConnectorStatus, e.info?.type ?? e.status?.type ?? "unknown"))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function rowOf(name: string, s: ConnectorStatus, type: string): StatusRow {
  return {
    name,
    type,
    state: s.connector.state,
    workerId: s.connector.worker_id,
    ...(s.connector.trace ? { trace: s.connector.trace } : {}),
    tasks: s.tasks.map((t) => ({
      id: t.id,
      state: t.state,
      workerId: t.worker_id,
      ...(t.trace ? { trace: t.trace } : {}),
    })),
  };
}

export function isFailed(row: StatusRow): boolean {
  return row.state === "FAILED" || row.tasks.some((t) => t.state === "FAILED");
}

/** Restarts a connector and (by default) only its failed tasks. */
export async function restartConnector(
  client: ConnectClient,
  name: string,
  opts: { includeTasks?: boolean; onlyFailed?: boolean } = {},
): Promise<void> {
  await client.restart(name, {
    includeTasks: opts.includeTasks ?? true,
    onlyFailed: opts.onlyFailed ?? true,
  });
}

export interface AutoRestartOptions {
  /** Restarts per connector before giving up. */
  maxRestarts: number;
  backoff: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">;
  /** Stop watching after this long. */
  timeoutMs: number;
  /** How long a connector must stay healthy to count as recovered. */
  healthyForMs?: number;
  onRestart?: (name: string, attempt: number, row: StatusRow) => void;
  /** Only these connectors (default: all). */
  names?: string[];
}

export interface AutoRestartResult {
  recovered: string[];
  gaveUp: Array<{ name: string; restarts: number; traces: string[] }>;
}

/**
 * Restarts failed connectors and tasks with exponential backoff, at most `maxRestarts` times
 * each, until none is failed or the time is up.
 */
export async function autoRestart(
  client: ConnectClient,
  opts: AutoRestartOptions,
): Promise<AutoRestartResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const restarts = new Map<string, number>();
  const nextAllowed = new Map<string, number>();
  const gaveUp = new Map<string, string[]>();
  for (;;) {
    const rows = (await clusterStatus(client)).filter((r) => !opts.names || opts.names.includes(r.name));
    const failed = rows.filter((r) => isFailed(r) && !gaveUp.has(r.name));
    if (failed.length === 0 || Date.now() > deadline) {
      const recovered = [...restarts.keys()].filter(
        (n) => !gaveUp.has(n) && !rows.some((r) => r.name === n && isFailed(r)),
      );
      return {
        recovered,
        gaveUp: [...gaveUp.entries()].map(([name, traces]) => ({
          name,
          restarts: restarts.get(name) ?? 0,
          traces,
        })),
      };
    }
    for (const row of failed) {
      const n = restarts.get(row.name) ?? 0;
      if (n >= opts.maxRestarts) {
        gaveUp.set(
          row.name,
          [row.trace, ...row.tasks.map((t) => t.trace)].filter((t): t is string => !!t),
        );
        continue;
      }
      if ((nextAllowed.get(row.name) ?? 0) > Date.now()) continue;
      restarts.set(row.name, n + 1);
      nextAllowed.set(
        row.name,
        Date.now() +
          backoffDelay(n, { deadlineMs: opts.timeoutMs, ...opts.backoff }) +
          (opts.healthyForMs ?? 0),
      );
      opts.onRestart?.(row.name, n + 1, row);
      try {
        await restartConnector(client, row.name);
      } catch (err) {
        if (!(err instanceof ConnectNotFoundError)) throw err;
      }
    }
    await sleep(Math.min(1000, opts.backoff.baseDelayMs));
  }
}

// --- offsets ---------------------------------------------------------------------------------

export class OffsetsError extends KilnError {}

export interface OffsetsBackup {
  connector: string;
  takenAt: string;
  state: ConnectorState;
  offsets: ConnectorOffsets["offsets"];
}

export type OffsetsOperation = { kind: "reset" } | { kind: "alter"; offsets: ConnectorOffsets };

/**
 * The backup file's name for a connector's offsets: one path segment whatever the connector is
 * called (Connect allows `/` and `..` in names), so a backup never lands outside its directory.
 */
export function backupFileName(cluster: string, connector: string, at: Date): string {
  const safe = connector.replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  // node:crypto is loaded only for a long name: the other verbs sharing this module go without it.
  const digest = () =>
    process.getBuiltinModule("node:crypto").createHash("sha256").update(connector).digest("hex");
  const name = safe.length > 150 ? `${safe.slice(0, 120)}~${digest().slice(0, 16)}` : safe;
  const stamp = at.toISOString().replace(/[:.]/g, "-");
  return `${cluster}-${name.replace(/^\.+/, (dots) => "%2e".repeat(dots.length))}-${stamp}.json`;
}

/**
 * Changes a connector's offsets the safe way: stop it, back the current offsets up to
 * `backupFile`, PATCH (alter) or DELETE (reset), then restore its earlier state.
 */
export async function changeOffsets(
  client: ConnectClient,
  name: string,
  op: OffsetsOperation,
  opts: { backupFile: string; stopTimeoutMs?: number; onStep?: (step: string) => void },
): Promise<{ backup: OffsetsBackup; message: string; restoredState: ConnectorState }> {
  const step = opts.onStep ?? (() => {});
  const before = (await client.status(name)).connector.state;
  if (before !== "STOPPED") {
    step(`stop ${name} (was ${before})`);
    await client.stop(name);
    await waitForConnectorState(client, name, "STOPPED", opts.stopTimeoutMs ?? 60_000);
  }
  const current = await client.getOffsets(name);
  const backup: OffsetsBackup = {
    connector: name,
    takenAt: new Date().toISOString(),
    state: before,
    offsets: current.offsets,
  };
  await mkdir(dirname(opts.backupFile), { recursive: true });
  await writeFile(opts.backupFile, `${JSON.stringify(backup, null, 2)}\n`);
  step(`backed up ${current.offsets.length} offset(s) to ${opts.backupFile}`);
  let message: string;
  try {
    message =
      op.kind === "reset"
        ? (await client.resetOffsets(name)).message
        : (await client.alterOffsets(name, op.offsets)).message;
    step(message);
  } finally {
    const restoredState =
      before === "FAILED" || before === "UNASSIGNED" || before === "RESTARTING" ? "RUNNING" : before;
    if (restoredState === "RUNNING") await client.resume(name);
    else if (restoredState === "PAUSED") await client.pause(name);
    if (restoredState !== "STOPPED") {
      await waitForConnectorState(client, name, restoredState, opts.stopTimeoutMs ?? 60_000);
    }
    step(`restored ${name} to ${restoredState}`);
  }
  return {
    backup,
    message,
    restoredState: before === "STOPPED" || before === "PAUSED" ? before : "RUNNING",
  };
}

export async function waitForConnectorState(
  client: ConnectClient,
  name: string,
  state: ConnectorState,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.status(name).catch(() => undefined);
    if (s?.connector.state === state) return;
    if (Date.now() > deadline) {
      throw new OffsetsError(
        `${name} did not reach ${state} within ${timeoutMs / 1000}s (it is ${s?.connector.state ?? "unknown"})`,
      );
    }
    await sleep(300);
  }
}
