/**
 * Maps `items` through `fn` with at most `limit` calls holding a slot at once; results keep the
 * input order, and items start in order. A call may give its slot back before it ends
 * (`release`), when what is left of it only waits (on a registry's answer, say), so the next item
 * starts meanwhile. After the first failure no further item starts; it rejects with that failure
 * once every call already started has settled, so no work outlives the caller.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, release: () => void) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let failed: { error: unknown } | undefined;
  let free = Math.max(1, limit);
  const waiting: Array<() => void> = [];
  await Promise.all(
    items.map(async (item, i) => {
      if (free > 0) free--;
      else await new Promise<void>((r) => waiting.push(r));
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        const next = waiting.shift();
        if (next) next();
        else free++;
      };
      try {
        if (!failed) out[i] = await fn(item, i, release);
      } catch (error) {
        failed ??= { error };
      } finally {
        release();
      }
    }),
  );
  if (failed) throw failed.error;
  return out;
}

/** At most `limit` calls of the returned function run at once; the others wait their turn. */
export function concurrencyLimit(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
