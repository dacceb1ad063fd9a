import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `fn` until it returns something other than undefined/false, failing
 * after `timeoutMs` with the last error and, if given, what `describe` adds
 * (e.g. log tails). Conditions are waited for, never timed.
 */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await sleep(opts.intervalMs ?? 500);
  }
  const extra = opts.describe ? `\n${await opts.describe().catch((e) => String(e))}` : "";
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}${extra}`);
}
