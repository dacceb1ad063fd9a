import { setMaxListeners } from "node:events";
import { DeadlineError, OperationTimeoutError } from "@kiln/schemas/errors";
import { formatDuration } from "./options.js";

/** How long a command may still take to stop after its deadline fired, before kiln stops waiting for it. */
const GRACE_MS = 5_000;

/**
 * A command's overall time limit (`--timeout`): a signal every network client listens to. When
 * it fires, the operation in progress fails with a message naming itself; should a command not
 * stop by itself soon after, `race` gives up on it.
 */
export function startDeadline(ms: number): {
  signal: AbortSignal;
  race<T>(work: Promise<T>): Promise<T>;
  dispose(): void;
} {
  const controller = new AbortController();
  // Every request in flight listens to this one signal: a bake's dozen concurrent blob checks
  // would otherwise print Node's "possible EventTarget memory leak" warning to the user.
  setMaxListeners(0, controller.signal);
  const budget = formatDuration(ms);
  const timer = setTimeout(() => controller.abort(new DeadlineError(budget)), ms);
  timer.unref();
  let grace: NodeJS.Timeout | undefined;
  return {
    signal: controller.signal,
    race(work) {
      const stuck = new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => {
          grace = setTimeout(
            () =>
              reject(
                new OperationTimeoutError(
                  `gave up after ${budget} (--timeout): the command did not stop within ${GRACE_MS / 1000}s of its time limit`,
                ),
              ),
            GRACE_MS,
          );
          grace.unref();
        });
      });
      // The abandoned command may still fail later; that must not crash the process.
      work.catch(() => {});
      return Promise.race([work, stuck]);
    },
    dispose() {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
    },
  };
}
