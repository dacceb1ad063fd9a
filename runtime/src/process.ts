import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** A service process started by the harness, logging to a file under the run's work dir. */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The last lines of the log, for failure messages. */
  tail(lines?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Lets this process exit while the service keeps running (it is stopped later by its pid). */
  release(): void;
}

/**
 * Starts a process in a process group of its own, its output appended to `<logDir>/<name>.log`
 * by the process itself: it keeps running and logging when this one exits (`kiln up`).
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logDir: string },
): Promise<ServiceProcess> {
  await mkdir(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${name}.log`);
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const tail = async (lines = 40) => {
    const text = await readFile(logFile, "utf8").catch(() => "");
    return text.split("\n").slice(-lines).join("\n");
  };
  return {
    name,
    child,
    logFile,
    tail,
    release: () => child.unref(),
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        // The whole process group: wrappers such as dockerd leave children behind.
        process.kill(-(child.pid as number), signal);
      } catch {
        return;
      }
      const killed = await Promise.race([
        exited.then(() => true),
        sleep(15_000, undefined, { ref: false }).then(() => false),
      ]);
      if (!killed) {
        try {
          process.kill(-(child.pid as number), "SIGKILL");
        } catch {}
        await exited;
      }
    },
  };
}

/** Polls `check` until it returns true, failing with the service's log tail after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; service?: ServiceProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (opts.service && opts.service.child.exitCode !== null) {
      throw new Error(
        `${opts.service.name} exited with ${opts.service.child.exitCode} while waiting for ${what}:\n${await opts.service.tail()}`,
      );
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(opts.intervalMs ?? 250);
  }
  const tail = opts.service ? `\n--- ${opts.service.logFile}\n${await opts.service.tail()}` : "";
  throw new Error(
    `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}${tail}`,
  );
}

/**
 * Waits for a freshly started service to pass each readiness check in turn (within `timeoutMs`
 * each); when one fails, the service is stopped before the error is thrown, so nothing outlives it.
 */
export async function whenReady(
  service: ServiceProcess,
  checks: Array<{ what: string; check: () => Promise<boolean>; intervalMs?: number }>,
  timeoutMs: number,
): Promise<void> {
  try {
    for (const c of checks)
      await waitFor(c.what, c.check, {
        timeoutMs,
        service,
        ...(c.intervalMs ? { intervalMs: c.intervalMs } : {}),
      });
  } catch (err) {
    await service.stop();
    throw err;
  }
}

/** Stops a process group started by `startProcess` in another run, by its leader's pid: TERM, then KILL. */
export async function stopProcessGroup(pid: number, timeoutMs = 15_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive() && Date.now() < deadline) await sleep(200);
  if (alive()) process.kill(-pid, "SIGKILL");
}
