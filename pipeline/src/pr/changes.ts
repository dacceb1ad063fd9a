import type { ConnectorPlugin } from "@kiln/schemas";

export type ChangeKind = "added" | "changed" | "removed";

export interface EntryChange {
  name: string;
  change: ChangeKind;
  /** Top-level fields that differ (for `changed`). */
  fields: string[];
  /** Where the entry lives in the head revision (absent for `removed`). */
  file?: string;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** What a PR does to the catalog: entries added, changed (and which fields) or removed. Pure. */
export function diffCatalog(
  base: ReadonlyMap<string, ConnectorPlugin>,
  head: ReadonlyMap<string, { entry: ConnectorPlugin; file: string }>,
): EntryChange[] {
  const out: EntryChange[] = [];
  for (const [name, { entry, file }] of head) {
    const before = base.get(name);
    if (!before) {
      out.push({ name, change: "added", fields: [], file });
      continue;
    }
    const keys = [...new Set([...Object.keys(before), ...Object.keys(entry)])].sort();
    const fields = keys.filter(
      (k) =>
        canonical((before as unknown as Record<string, unknown>)[k]) !==
        canonical((entry as unknown as Record<string, unknown>)[k]),
    );
    if (fields.length > 0) out.push({ name, change: "changed", fields, file });
  }
  for (const name of base.keys()) if (!head.has(name)) out.push({ name, change: "removed", fields: [] });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface ClusterRef {
  file: string;
  name: string;
  connect: Array<{ name: string; plugins: string[]; base?: string }>;
}

export interface AffectedImage {
  clusterFile: string;
  cluster: string;
  connect: string;
  /** The changed plugins it bakes. */
  plugins: string[];
  /** Every plugin it bakes, and its base: what a digest prediction needs. */
  allPlugins: string[];
  base?: string;
}

/** Connect clusters whose image holds any changed or removed entry. Pure. */
export function affectedImages(changes: EntryChange[], clusters: ClusterRef[]): AffectedImage[] {
  const touched = new Set(changes.map((c) => c.name));
  return clusters.flatMap((c) =>
    c.connect
      .filter((k) => k.plugins.some((p) => touched.has(p)))
      .map((k) => ({
        clusterFile: c.file,
        cluster: c.name,
        connect: k.name,
        plugins: k.plugins.filter((p) => touched.has(p)),
        allPlugins: k.plugins,
        ...(k.base ? { base: k.base } : {}),
      })),
  );
}
