import { inject } from "vitest";

/** A value a service provided; a clear failure when that service was not started. */
export function required<K extends Parameters<typeof inject>[0]>(
  key: K,
): NonNullable<ReturnType<typeof inject<K>>> {
  const value = inject(key);
  if (value === undefined || value === null || value === "") {
    throw new Error(
      `test service value "${String(key)}" is missing: its service was not started (check KILN_TEST_SERVICES)`,
    );
  }
  return value as NonNullable<ReturnType<typeof inject<K>>>;
}
