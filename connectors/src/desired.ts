import type { Connector, ConnectorPlugin, Location } from "@kiln/schemas";
import { KilnError } from "@kiln/schemas";
import semver from "semver";

export type DesiredState = "running" | "paused" | "stopped";

/** A connector as it should be on one Connect cluster, after overlays; config values as Connect stores them. */
export interface DesiredConnector {
  name: string;
  cluster: string;
  state: DesiredState;
  /** Connector class (`connector.class`). */
  connectorClass: string;
  plugin: { name: string; version?: string };
  /** Every value a string, `connector.class` and `tasks.max` included, `name` excluded. */
  config: Record<string, string>;
  /** Where it was declared, for error messages. */
  location: Location;
}

export class ConnectorDefinitionError extends KilnError {}

/** How Connect stores a value: always a string. */
export function toConnectString(value: string | number | boolean): string {
  return typeof value === "string" ? value : String(value);
}

/**
 * Merges the base definition with the overlay of `env` (when given): overlay keys win, `null`
 * removes a key. Resolves the connector class from `plugin.class`, `config["connector.class"]`
 * or the catalog entry (which must provide exactly one connector class, at a version inside
 * `plugin.version`). Pure.
 */
export function resolveConnector(
  doc: Connector,
  opts: {
    env?: string;
    location?: Location;
    catalog?: { get(name: string): ConnectorPlugin | undefined };
  } = {},
): DesiredConnector {
  const location = opts.location ?? {};
  const overlay = opts.env ? doc.environments?.[opts.env] : undefined;
  const merged: Record<string, string | number | boolean | null | undefined> = { ...doc.config };
  for (const [k, v] of Object.entries(overlay?.config ?? {})) if (v !== undefined) merged[k] = v;
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) {
    if (v === null || v === undefined || k === "name") continue;
    config[k] = toConnectString(v);
  }
  const tasksMax = overlay?.tasksMax ?? doc.tasksMax;
  if (tasksMax !== undefined) {
    if (config["tasks.max"] !== undefined && config["tasks.max"] !== String(tasksMax)) {
      throw new ConnectorDefinitionError(
        `tasksMax (${tasksMax}) and config "tasks.max" (${config["tasks.max"]}) disagree; set one of them`,
        { location: { ...location, path: "tasksMax" } },
      );
    }
    config["tasks.max"] = String(tasksMax);
  }
  const connectorClass = resolveClass(doc, config, opts.catalog, location);
  config["connector.class"] = connectorClass;
  return {
    name: doc.name,
    cluster: overlay?.connectCluster ?? doc.connectCluster,
    state: overlay?.state ?? doc.state ?? "running",
    connectorClass,
    plugin: { name: doc.plugin.name, ...(doc.plugin.version ? { version: doc.plugin.version } : {}) },
    config,
    location,
  };
}

function resolveClass(
  doc: Connector,
  config: Record<string, string>,
  catalog: { get(name: string): ConnectorPlugin | undefined } | undefined,
  location: Location,
): string {
  const inConfig = config["connector.class"];
  const declared = doc.plugin.class;
  if (declared && inConfig && declared !== inConfig) {
    throw new ConnectorDefinitionError(
      `plugin.class (${declared}) and config "connector.class" (${inConfig}) disagree`,
      { location: { ...location, path: "plugin.class" } },
    );
  }
  const entry = catalog?.get(doc.plugin.name);
  if (entry) {
    const range = doc.plugin.version;
    const version = semver.coerce(entry.version)?.version;
    if (range && version && !semver.satisfies(version, range)) {
      throw new ConnectorDefinitionError(
        `catalog entry ${entry.name} is at ${entry.version}, outside plugin.version ${range}`,
        { location: { ...location, path: "plugin.version" } },
      );
    }
    const connectorClasses = entry.classes.filter((c) => c.type === "source" || c.type === "sink");
    const wanted = declared ?? inConfig;
    if (wanted) {
      if (!entry.classes.some((c) => c.class === wanted)) {
        throw new ConnectorDefinitionError(`catalog entry ${entry.name} does not provide ${wanted}`, {
          location: { ...location, path: "plugin.class" },
        });
      }
      return wanted;
    }
    if (connectorClasses.length === 1) return (connectorClasses[0] as { class: string }).class;
    throw new ConnectorDefinitionError(
      `catalog entry ${entry.name} provides ${connectorClasses.length} connector classes; name one in plugin.class`,
      { location: { ...location, path: "plugin" } },
    );
  }
  const cls = declared ?? inConfig;
  if (!cls) {
    throw new ConnectorDefinitionError(
      `plugin ${doc.plugin.name} is not in the catalog; set plugin.class to the connector class`,
      { location: { ...location, path: "plugin" } },
    );
  }
  return cls;
}

/**
 * A value normalised for comparison: surrounding whitespace trimmed and, for comma-separated
 * lists, the whitespace around each element (Connect's LIST type parses `a, b` and `a,b` alike).
 */
export function normalizeValue(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes(",")
    ? trimmed
        .split(",")
        .map((s) => s.trim())
        .join(",")
    : trimmed;
}

export interface ConfigDiffEntry {
  key: string;
  before?: string;
  after?: string;
}

/** Keys whose values differ between desired and live (`name` ignored). Sorted by key. Pure. */
export function diffConfig(desired: Record<string, string>, live: Record<string, string>): ConfigDiffEntry[] {
  const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
  keys.delete("name");
  const out: ConfigDiffEntry[] = [];
  for (const key of [...keys].sort()) {
    const d = desired[key];
    const l = live[key];
    if (d === undefined && l !== undefined) out.push({ key, before: l });
    else if (d !== undefined && l === undefined) out.push({ key, after: d });
    else if (d !== undefined && l !== undefined && normalizeValue(d) !== normalizeValue(l)) {
      out.push({ key, before: l, after: d });
    }
  }
  return out;
}
