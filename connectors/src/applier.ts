import { setTimeout as sleep } from "node:timers/promises";
import { concurrencyLimit, type Diagnostic, KilnError, mapLimit } from "@kiln/schemas";
import { validateOnServer } from "./checks.js";
import type { ConnectClient } from "./client.js";
import { type DesiredConnector, type DesiredState, diffConfig } from "./desired.js";
import {
  ConnectAlreadyExistsError,
  ConnectError,
  ConnectNotFoundError,
  ConnectRequestError,
  ConnectTimeoutError,
} from "./errors.js";
import { type Change, needsStateChange, type Plan, targetState } from "./planner.js";
import type { ConnectorState, ConnectorStatus, InitialState } from "./types.js";

/**
 * Requests in flight per cluster. Connect writes configs one at a time on its leader, so extra
 * requests only wait in the leader's queue: a deep queue lets it write the new connectors back to
 * back, one rebalance per batch, instead of interleaving each with the task configs of the ones
 * just started. 128 stays well inside Jetty's 200 request threads and Connect's 90 s timeout.
 */
export const DEFAULT_CONCURRENCY = 128;

export interface ApplyOptions {
  /** Requests in flight at once against the cluster (default {@link DEFAULT_CONCURRENCY}). */
  concurrency?: number;
  /**
   * Connect validates every config it is asked to write (`POST /connectors` and
   * `PUT …/config` run the same validation as `PUT …/config/validate`, and write nothing when it
   * fails). With this set, a config Connect refuses is validated again on its own, at most this
   * many at once, for findings located per key; the connector fails alone. Off when the plan was
   * validated already (the refusal is then reported as Connect worded it).
   */
  validateConcurrency?: number;
  /** Deletes are carried out only with prune. */
  prune?: boolean;
  /** Wait until every applied connector reaches its desired state (tasks included). */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** See {@link WaitOptions.zeroTaskGraceMs}. */
  zeroTaskGraceMs?: number;
  /** Time budget for one change, re-reads and retries included. */
  changeDeadlineMs?: number;
  onEvent?: (e: ApplyEvent) => void;
}

export interface ApplyEvent {
  name: string;
  action:
    | "create"
    | "update"
    | "pause"
    | "resume"
    | "stop"
    | "delete"
    | "skip"
    | "reconcile"
    | "wait"
    | "done";
  detail?: string;
}

export interface ApplyResult {
  cluster: string;
  applied: Array<{ name: string; kind: Change["kind"] }>;
  skipped: Array<{ name: string; reason: string }>;
  /** `diagnostics`: where an invalid config is wrong, when Connect's validation refused it. */
  failed: Array<{ name: string; error: string; diagnostics?: Diagnostic[] }>;
}

export class ApplyError extends KilnError {}

/** Connect refused a config in validation: nothing was written for the connector. */
export class InvalidConfigError extends KilnError {
  readonly diagnostics: Diagnostic[];
  constructor(name: string, diagnostics: Diagnostic[]) {
    super(
      `${name}: Connect's validation refused the config (${diagnostics.length} error(s)); nothing was written`,
    );
    this.diagnostics = diagnostics;
  }
}

export class WaitError extends KilnError {
  readonly failures: Array<{ name: string; state: string; traces: string[] }>;
  constructor(failures: Array<{ name: string; state: string; traces: string[] }>) {
    super(
      `${failures.length} connector(s) did not reach their desired state: ${failures.map((f) => `${f.name} (${f.state})`).join(", ")}`,
    );
    this.failures = failures;
  }
}

/** Connect's answer (HTTP 400) to a write whose config fails its validation. */
const INVALID_CONFIG = /^Connector configuration is invalid/;

const INITIAL: Record<DesiredState, InitialState> = {
  running: "RUNNING",
  paused: "PAUSED",
  stopped: "STOPPED",
};

/**
 * Carries out a plan: creates with `initial_state`, PUTs only configs that differ, moves states,
 * deletes only with `prune`. Conflicts are retried by the client; after a timeout (a write that
 * may or may not have happened) live state is re-read and the change reconciled against it.
 */
export async function applyPlan(
  client: ConnectClient,
  plan: Plan,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const result: ApplyResult = { cluster: plan.cluster, applied: [], skipped: [], failed: [] };
  const emit = opts.onEvent ?? (() => {});
  const work = plan.changes.filter((c) => c.kind !== "noop" && c.kind !== "unmanaged");
  const validating = opts.validateConcurrency ? concurrencyLimit(opts.validateConcurrency) : undefined;
  // Validation is not a request of its own before each write: Connect validates the write itself
  // (a second validation of every config cost the cluster's CPU about a quarter of a 200-create
  // apply). Only a refused config is validated again, for its findings.
  const refused = async (d: DesiredConnector, err: unknown): Promise<never> => {
    if (
      validating &&
      err instanceof ConnectRequestError &&
      err.status === 400 &&
      INVALID_CONFIG.test(err.userMessage)
    ) {
      const found = await validating(() => validateOnServer(client, d));
      if (found.length > 0) throw new InvalidConfigError(d.name, found);
    }
    throw err;
  };
  await mapLimit(work, opts.concurrency ?? DEFAULT_CONCURRENCY, async (change) => {
    if (change.kind === "delete" && !opts.prune) {
      result.skipped.push({ name: change.name, reason: "deletion needs --prune" });
      emit({ name: change.name, action: "skip", detail: "deletion needs --prune" });
      return;
    }
    try {
      await applyChange(client, change, opts, emit, refused);
      result.applied.push({ name: change.name, kind: change.kind });
    } catch (err) {
      result.failed.push({
        name: change.name,
        error: err instanceof KilnError ? err.message : String((err as Error)?.message ?? err),
        ...(err instanceof InvalidConfigError ? { diagnostics: err.diagnostics } : {}),
      });
    }
  });
  await visibleEverywhere(client, result, work);
  if (opts.wait && result.failed.length === 0) {
    const toWait = work
      .filter((c) => c.kind !== "delete" && c.desired)
      .map((c) => c.desired as DesiredConnector);
    await waitForStates(client, toWait, {
      timeoutMs: opts.waitTimeoutMs ?? 120_000,
      emit,
      ...(opts.zeroTaskGraceMs === undefined ? {} : { zeroTaskGraceMs: opts.zeroTaskGraceMs }),
    });
  }
  return result;
}

/**
 * Every worker reads the config topic on its own; one that lags would plan a create for a
 * connector that exists. Apply returns once each worker lists what was created and not what
 * was deleted (bounded: a lagging worker is not an error).
 */
async function visibleEverywhere(client: ConnectClient, result: ApplyResult, work: Change[]): Promise<void> {
  const applied = new Set(result.applied.map((a) => a.name));
  const created = work.filter((c) => c.kind === "create" && applied.has(c.name)).map((c) => c.name);
  const deleted = work.filter((c) => c.kind === "delete" && applied.has(c.name)).map((c) => c.name);
  if (created.length + deleted.length === 0) return;
  const deadline = Date.now() + 10_000;
  await Promise.all(
    client.urls.map(async (url) => {
      while (Date.now() < deadline) {
        let names: Set<string>;
        try {
          names = new Set(await client.listNames(url));
        } catch {
          return; // unreachable: nothing to wait for there
        }
        if (created.every((n) => names.has(n)) && deleted.every((n) => !names.has(n))) return;
        await sleep(100);
      }
    }),
  );
}

async function applyChange(
  client: ConnectClient,
  change: Change,
  opts: ApplyOptions,
  emit: (e: ApplyEvent) => void,
  refused: (d: DesiredConnector, err: unknown) => Promise<never>,
): Promise<void> {
  const deadline = Date.now() + (opts.changeDeadlineMs ?? 180_000);
  const d = change.desired;
  if (change.kind === "delete") {
    emit({ name: change.name, action: "delete" });
    await retryAfterTimeout(deadline, async () => {
      try {
        await client.delete(change.name);
      } catch (err) {
        if (!(err instanceof ConnectNotFoundError)) throw err;
      }
    });
    return;
  }
  if (!d) throw new ApplyError(`change for ${change.name} has no desired connector`);
  if (change.kind === "create") {
    emit({ name: d.name, action: "create", detail: INITIAL[d.state] });
    const created = await retryAfterTimeout(
      deadline,
      async () => {
        try {
          await client.create(d.name, d.config, INITIAL[d.state]);
          return true;
        } catch (err) {
          if (err instanceof ConnectAlreadyExistsError) return false;
          return refused(d, err);
        }
      },
      // After a timeout the create may have landed: reconcile instead of creating twice.
      async () => ((await exists(client, d.name)) ? { value: false } : undefined),
    );
    if (!created) {
      emit({ name: d.name, action: "reconcile", detail: "already exists" });
      await reconcile(client, d, deadline, emit);
    }
    return;
  }
  // update and state: PUT only when the config differs, then move the state.
  await reconcile(client, d, deadline, emit, change.kind === "update", refused);
}

/** Brings an existing connector to `d`: PUT config only if it differs, then the state transition. */
async function reconcile(
  client: ConnectClient,
  d: DesiredConnector,
  deadline: number,
  emit: (e: ApplyEvent) => void,
  expectUpdate = false,
  refused: (d: DesiredConnector, err: unknown) => Promise<never> = (_, err) => Promise.reject(err),
): Promise<void> {
  const live = await retryAfterTimeout(deadline, () => client.getConfig(d.name));
  if (diffConfig(d.config, live).length > 0) {
    emit({ name: d.name, action: "update" });
    await retryAfterTimeout(
      deadline,
      () =>
        client.putConfig(d.name, d.config).then(
          () => undefined,
          (err: unknown) => refused(d, err),
        ),
      async () =>
        diffConfig(d.config, await client.getConfig(d.name)).length === 0 ? { value: undefined } : undefined,
    );
  } else if (expectUpdate) {
    emit({ name: d.name, action: "skip", detail: "config already current" });
  }
  await moveState(client, d, deadline, emit);
}

async function moveState(
  client: ConnectClient,
  d: DesiredConnector,
  deadline: number,
  emit: (e: ApplyEvent) => void,
): Promise<void> {
  // A freshly (re)configured connector may be briefly unknown or UNASSIGNED.
  let state: ConnectorState | undefined;
  for (;;) {
    state = await currentState(client, d.name);
    if (state !== undefined || Date.now() > deadline) break;
    await sleep(250);
  }
  if (!needsStateChange(state, d.state)) return;
  const action = d.state === "paused" ? "pause" : d.state === "stopped" ? "stop" : "resume";
  emit({ name: d.name, action, detail: `${state} → ${targetState(d.state)}` });
  await retryAfterTimeout(deadline, () => client[action](d.name));
}

async function currentState(client: ConnectClient, name: string): Promise<ConnectorState | undefined> {
  try {
    const s = await client.status(name);
    return s.connector.state === "UNASSIGNED" ? undefined : s.connector.state;
  } catch (err) {
    if (err instanceof ConnectNotFoundError) return undefined;
    throw err;
  }
}

async function exists(client: ConnectClient, name: string): Promise<boolean> {
  try {
    await client.getConfig(name);
    return true;
  } catch (err) {
    if (err instanceof ConnectNotFoundError) return false;
    throw err;
  }
}

/**
 * Runs `write`; when it times out (a write that may have happened) or the cluster is busy,
 * waits, then asks `settle` what happened: `{ value }` ends the operation, `undefined` writes
 * again. Gives up at `deadline`.
 */
async function retryAfterTimeout<T>(
  deadline: number,
  write: () => Promise<T>,
  settle?: () => Promise<{ value: T } | undefined>,
): Promise<T> {
  let attempt = 0;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      const ambiguous = err instanceof ConnectTimeoutError || (err instanceof ConnectError && err.retryable);
      if (!ambiguous || Date.now() > deadline) throw err;
      await sleep(Math.min(5000, 250 * 2 ** attempt++) * (0.5 + Math.random() / 2));
      if (settle) {
        try {
          const settled = await settle();
          if (settled) return settled.value;
        } catch (readErr) {
          if (!(readErr instanceof ConnectError) || Date.now() > deadline) throw readErr;
        }
      }
    }
  }
}

export interface WaitOptions {
  timeoutMs: number;
  emit?: (e: ApplyEvent) => void;
  intervalMs?: number;
  /**
   * A running connector may legitimately generate no tasks (a MirrorCheckpointConnector before a
   * consumer group matches). Connect has no marker for that, so once the connector is RUNNING
   * and `GET /connectors/{name}/tasks` stays empty this long, the wait takes it at its word.
   * Default 10 s: Connect writes task configs right after the connector starts.
   */
  zeroTaskGraceMs?: number;
}

/**
 * Polls status until each connector is in its desired state with every task RUNNING (for
 * running connectors), tolerating the brief 404/UNASSIGNED window after a write. A FAILED
 * connector or task fails the wait at once, with its trace.
 */
export async function waitForStates(
  client: ConnectClient,
  desired: DesiredConnector[],
  opts: WaitOptions,
): Promise<void> {
  const grace = opts.zeroTaskGraceMs ?? 10_000;
  /** When each running connector was first seen RUNNING with no task configs. */
  const noTasksSince = new Map<string, number>();
  const deadline = Date.now() + opts.timeoutMs;
  const pending = new Map(desired.map((d) => [d.name, d]));
  const last = new Map<string, ConnectorStatus | undefined>();
  const failures: Array<{ name: string; state: string; traces: string[] }> = [];
  while (pending.size > 0 && Date.now() < deadline) {
    await mapLimit([...pending.values()], 8, async (d) => {
      let s: ConnectorStatus | undefined;
      try {
        s = await client.status(d.name);
      } catch (err) {
        if (!(err instanceof ConnectNotFoundError)) throw err;
      }
      last.set(d.name, s);
      if (!s) return;
      const failed = [s.connector, ...s.tasks].filter((x) => x.state === "FAILED");
      if (failed.length > 0 && d.state === "running") {
        failures.push({
          name: d.name,
          state: describeStatus(s),
          traces: failed.map((f) => f.trace ?? "").filter((t) => t !== ""),
        });
        pending.delete(d.name);
        return;
      }
      if (reached(s, d.state)) {
        pending.delete(d.name);
        opts.emit?.({ name: d.name, action: "done", detail: describeStatus(s) });
      } else if (d.state === "running" && s.connector.state === "RUNNING" && s.tasks.length === 0) {
        if ((await taskCount(client, d.name)) > 0) noTasksSince.delete(d.name);
        else {
          const since = noTasksSince.get(d.name) ?? Date.now();
          noTasksSince.set(d.name, since);
          if (Date.now() - since >= grace) {
            pending.delete(d.name);
            opts.emit?.({
              name: d.name,
              action: "done",
              detail: "RUNNING, no tasks (the connector generated none)",
            });
          }
        }
      }
    });
    if (pending.size > 0) await sleep(opts.intervalMs ?? 500);
  }
  for (const d of pending.values()) {
    const s = last.get(d.name);
    failures.push({
      name: d.name,
      state: s ? describeStatus(s) : "not found",
      traces: s ? [s.connector, ...s.tasks].map((x) => x.trace ?? "").filter((t) => t !== "") : [],
    });
  }
  if (failures.length > 0) throw new WaitError(failures);
}

async function taskCount(client: ConnectClient, name: string): Promise<number> {
  try {
    return (await client.tasks(name)).length;
  } catch (err) {
    if (err instanceof ConnectNotFoundError) return 0;
    throw err;
  }
}

export function reached(s: ConnectorStatus, desired: DesiredState): boolean {
  const want = targetState(desired);
  if (s.connector.state !== want) return false;
  // A stopped connector has no tasks; right after the stop Connect may still list them.
  if (desired === "stopped") return s.tasks.length === 0;
  return s.tasks.length > 0 && s.tasks.every((t) => t.state === want);
}

export function describeStatus(s: ConnectorStatus): string {
  const tasks = s.tasks.map((t) => `${t.id}:${t.state}`).join(" ");
  return `${s.connector.state}${tasks ? ` [${tasks}]` : ""}`;
}
